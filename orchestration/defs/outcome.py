"""Every finished run's outcome, recorded by the code location itself.

Two run-status sensors (a run that succeeded, a run that failed) hand the run to
`orchestration.outcome.finalize_run`, which records it in `audit.publication_log`, re-renders the
scorecard and sends the alerts. So the schedule, the new-deliveries sensor, a UI launch and
`dagster job launch` all behave alike; `c360 run` executes in-process (sensors do not see such
runs) and calls the same function itself. On by default: without them a blocked run would go
unrecorded and the scorecard would keep saying "Validated".
"""

import dagster as dg

from orchestration.outcome import describe, finalize_run
from orchestration.settings import Settings


def _finalize(context: dg.RunStatusSensorContext) -> None:
    outcome = finalize_run(
        Settings.from_env(), context.instance, context.dagster_run.run_id, context.log.info
    )
    if outcome.concerns_publication:
        context.log.info(f"run {outcome.run_id}: {outcome.status} — {describe(outcome)}")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="record_run_succeeded",
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records a finished run's outcome, re-renders the scorecard, sends the alerts.",
)
def record_run_succeeded(context: dg.RunStatusSensorContext):
    _finalize(context)


@dg.run_failure_sensor(
    name="record_run_failed",
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records a failed or blocked run, re-renders the scorecard, sends the alerts.",
)
def record_run_failed(context: dg.RunFailureSensorContext):
    _finalize(context)


defs = dg.Definitions(sensors=[record_run_succeeded, record_run_failed])
