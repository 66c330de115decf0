"""The Dagster code location: one `Definitions` assembled from the per-domain definitions."""

import dagster as dg

from orchestration.defs import dbt, extract, ingestion, report, schedules
from orchestration.defs.publish import assets as publish
from orchestration.defs.quality import checks as quality
from orchestration.defs.resources import C360Settings

pipeline_job = dg.define_asset_job(
    schedules.PIPELINE_JOB,
    # API pulls are a job of their own (extract.pull_and_pipeline): file deliveries need none.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(extract.GROUP),
    description="Ingest every source, build the warehouse, run the quality gates, publish.",
)

# Re-audit the current KPI candidate and publish it if the gates pass, without rebuilding: e.g.
# after a reviewed change of a threshold in expectations/.
audit_and_publish_job = dg.define_asset_job(
    "audit_and_publish",
    selection=dg.AssetSelection.checks_for_assets(dg.AssetKey(["marts", "kpi_monthly"]))
    | dg.AssetSelection.assets(dg.AssetKey(["published", "cco_kpi_monthly"])),
    description="Run the quality gates on the current KPI candidate; publish it if they pass.",
)

defs = dg.Definitions.merge(
    extract.defs,
    ingestion.defs,
    dbt.defs,
    quality.defs,
    publish.defs,
    report.defs,
    schedules.defs,
    dg.Definitions(
        jobs=[pipeline_job, audit_and_publish_job], resources={"settings": C360Settings()}
    ),
)
