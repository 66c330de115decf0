"""When the pipeline runs: daily, and whenever new delivery folders land."""

import hashlib
import json

import dagster as dg

from orchestration.settings import Settings
from sources import ENTITIES
from sources.landing import discover

PIPELINE_JOB = "c360_pipeline"

daily_pipeline = dg.ScheduleDefinition(
    name="daily_pipeline",
    job_name=PIPELINE_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="The whole pipeline once a day, after the nightly exports have landed.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


def delivery_folders(settings: Settings) -> list[str]:
    """Every delivery folder holding readable files, e.g. `crm/accounts/2026-11-01`."""
    folders = {
        f.relpath.rsplit("/", 1)[0]
        for e in ENTITIES
        for f in discover(settings.landing_dir, e).files
    }
    return sorted(folders)


@dg.sensor(
    name="new_deliveries",
    job_name=PIPELINE_JOB,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts a run when delivery folders appear in the landing directory.",
)
def new_deliveries(context: dg.SensorEvaluationContext):
    folders = delivery_folders(Settings.from_env())
    known = set(json.loads(context.cursor)) if context.cursor else set()
    new = [f for f in folders if f not in known]
    if not new:
        return dg.SkipReason("no new delivery folders")
    context.update_cursor(json.dumps(folders))
    run_key = hashlib.sha1("\n".join(new).encode()).hexdigest()
    return dg.RunRequest(run_key=run_key, tags={"c360/new_deliveries": ", ".join(new[:10])})


# Freshness is judged on delivery dates, not on pipeline runs: the quality suite `sources_fresh`
# (expectations/) flags an entity whose latest delivery is too old, in the UI and on the scorecard.
defs = dg.Definitions(schedules=[daily_pipeline], sensors=[new_deliveries])
