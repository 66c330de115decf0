"""The Dagster code location: one `Definitions` assembled from the per-domain definitions."""

import dagster as dg

from orchestration.defs import dbt, ingestion, schedules
from orchestration.defs.publish import assets as publish
from orchestration.defs.quality import checks as quality
from orchestration.defs.resources import C360Settings


pipeline_job = dg.define_asset_job(
    schedules.PIPELINE_JOB, selection=dg.AssetSelection.all(),
    description="Ingest every source, build the warehouse, run the quality gates, publish.")

defs = dg.Definitions.merge(
    ingestion.defs,
    dbt.defs,
    quality.defs,
    publish.defs,
    schedules.defs,
    dg.Definitions(jobs=[pipeline_job], resources={"settings": C360Settings()}),
)
