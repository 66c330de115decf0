"""The Dagster code location: one `Definitions` assembled from the per-domain definitions."""

import dagster as dg

from orchestration.defs import dbt, extract, ingestion, outcome, report, schedules
from orchestration.defs.publish import assets as publish
from orchestration.defs.quality import checks as quality
from orchestration.defs.resources import C360Settings

pipeline_job = dg.define_asset_job(
    schedules.PIPELINE_JOB,
    # API pulls are a job of their own (extract.pull_and_pipeline): file deliveries need none.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(extract.GROUP),
    description="Ingest every source, build the warehouse, run the quality gates, publish.",
)

# Re-audit the warehouse as built (every dbt test and quality suite) and publish the KPI candidate
# if they all pass, without rebuilding: e.g. after a reviewed change of a threshold in expectations/.
audit_and_publish_job = dg.define_asset_job(
    "audit_and_publish",
    selection=dg.AssetSelection.checks_for_assets(dbt.warehouse_models)
    | dg.AssetSelection.checks(quality.raw_layer_gates, quality.quality_gates)
    | dg.AssetSelection.assets(publish.publish_kpis),
    description="Run every dbt test and quality gate on the warehouse as built; publish the KPI "
    "candidate if they all pass.",
)

defs = dg.Definitions.merge(
    extract.defs,
    ingestion.defs,
    dbt.defs,
    quality.defs,
    publish.defs,
    report.defs,
    outcome.defs,
    schedules.defs,
    dg.Definitions(
        jobs=[pipeline_job, audit_and_publish_job], resources={"settings": C360Settings()}
    ),
)
