"""What a run did to publication, read back from the Dagster instance, and recorded once.

Every run that tried to publish ends in one of three outcomes: `published`; `blocked` (a blocking
check failed: dbt test or quality suite); `failed` (a step failed for another reason). The code
location records it (`audit.publication_log`, plus one `audit.gate_results` row per dbt test),
re-renders the scorecard and sends the alerts: from a run-status sensor for runs launched by the
daemon, schedule, sensor or UI, and from `c360 run` for its in-process run, with this same code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from orchestration.settings import Settings

EXIT_PUBLISHED, EXIT_FAILED, EXIT_BLOCKED = 0, 1, 2
PUBLISHED_KEY = dg.AssetKey(["published", "cco_kpi_monthly"])
CHECK_FAILED_ERROR = "DagsterAssetCheckFailedError"


@dataclass(frozen=True)
class CheckFinding:
    """One check evaluation: which rule on which asset, and what it observed."""

    asset: str  # e.g. marts/kpi_monthly
    check: str  # dbt test or quality suite name
    kind: str  # dbt_test | quality_gate
    blocking: bool
    passed: bool
    summary: str  # one line: what was observed
    observed: dict[str, Any] = field(default_factory=dict)  # JSON-safe details for engineers


@dataclass(frozen=True)
class StepFailure:
    step: str
    error: str


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    attempted_publication: bool  # the run's plan included the published KPIs
    published: bool
    checks: tuple[CheckFinding, ...]
    failed_steps: tuple[StepFailure, ...]

    @property
    def failed_checks(self) -> list[CheckFinding]:
        return [c for c in self.checks if c.blocking and not c.passed]

    @property
    def warnings(self) -> list[CheckFinding]:
        return [c for c in self.checks if not c.blocking and not c.passed]

    @property
    def status(self) -> str:
        if self.published and not self.failed_steps:
            return "published"
        if self.failed_checks and not self.failed_steps:
            return "blocked"
        return "failed"

    @property
    def exit_code(self) -> int:
        return {"published": EXIT_PUBLISHED, "blocked": EXIT_BLOCKED}.get(self.status, EXIT_FAILED)

    @property
    def concerns_publication(self) -> bool:
        """Worth recording: it tried to publish, or a blocking check stopped it."""
        return self.attempted_publication or bool(self.failed_checks)


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _finding(evaluation: dg.AssetCheckEvaluation) -> CheckFinding:
    md = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
    blocking = (
        evaluation.blocking
        if evaluation.blocking is not None
        else evaluation.severity == dg.AssetCheckSeverity.ERROR
    )
    if "summary" in md:  # a quality suite: its own one-line summary and failed expectations
        kind = "quality_gate"
        summary = str(md["summary"])
        observed = {"failed_expectations": md.get("failed_expectations", [])}
    else:  # a dbt test: how many rows break its rule
        kind = "dbt_test"
        failing = md.get("dagster_dbt/failed_row_count")
        summary = (
            "passed"
            if evaluation.passed
            else f"{failing} row(s) break the rule"
            if failing is not None
            else "dbt test failed"
        )
        observed = {
            "failed_row_count": failing,
            "dbt_unique_id": md.get("unique_id"),
            "status": md.get("status"),
        }
    return CheckFinding(
        asset=evaluation.asset_key.to_user_string(),
        check=evaluation.check_name,
        kind=kind,
        blocking=bool(blocking),
        passed=evaluation.passed,
        summary=summary,
        observed=_json_safe(observed),
    )


def read_outcome(instance: dg.DagsterInstance, run_id: str) -> RunOutcome:
    """The outcome of a finished run, from its events in the instance's event log."""
    types = {
        dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        dg.DagsterEventType.ASSET_MATERIALIZATION,
        dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
        dg.DagsterEventType.STEP_FAILURE,
        dg.DagsterEventType.RUN_FAILURE,
    }
    records = instance.get_records_for_run(run_id, of_type=types).records
    return outcome_from_events(
        run_id,
        [r.event_log_entry.dagster_event for r in records if r.event_log_entry.dagster_event],
    )


def outcome_from_events(run_id: str, events: list[dg.DagsterEvent]) -> RunOutcome:
    checks, failed_steps = [], []
    planned = published = run_failed = False
    for event in events:
        kind = event.event_type
        if kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            checks.append(_finding(event.asset_check_evaluation_data))
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            planned |= event.asset_key == PUBLISHED_KEY
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            published |= event.asset_key == PUBLISHED_KEY
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            # A failed blocking check fails its own step by design (that is what stops the steps
            # after it): such a step is a gate that held publication back, not a crash.
            if error is None or error.cls_name != CHECK_FAILED_ERROR:
                failed_steps.append(StepFailure(event.step_key or "?", _error_text(error)))
        elif kind == dg.DagsterEventType.RUN_FAILURE:
            run_failed = True
    if run_failed and not failed_steps and not any(not c.passed for c in checks):
        failed_steps.append(StepFailure("run", "the run failed before any step ran"))
    return RunOutcome(run_id, planned or published, published, tuple(checks), tuple(failed_steps))


def _error_text(error) -> str:
    if error is None:
        return "no error recorded"
    return f"{error.cls_name}: {error.message.strip()}"[:2000]


def finalize_run(
    settings: Settings,
    instance: dg.DagsterInstance,
    run_id: str,
    log: Callable[[str], None] = print,
) -> RunOutcome:
    """Record a finished run's outcome, re-render the scorecard and alert, once per run.

    Each part is attempted even when an earlier one fails (the warehouse itself may be what
    broke); a failure is logged, never raised, so that announcing a run never fails it.
    """
    from orchestration import alerts
    from orchestration.audit import already_recorded, last_outcome

    outcome = read_outcome(instance, run_id)
    if not outcome.concerns_publication:
        return outcome
    try:
        if already_recorded(settings, run_id):
            return outcome
        previous = last_outcome(settings)
    except Exception as exc:  # noqa: BLE001 - no warehouse yet: record what we can
        log(f"could not read audit.publication_log: {exc}")
        previous = None
    _attempt(log, "record the outcome in audit.publication_log", _record, settings, outcome)
    report = _attempt(log, "render the CCO scorecard", _render, settings)
    if outcome.status != "published" or (previous is not None and previous != "published"):
        _attempt(
            log,
            "send the alerts",
            alerts.announce,
            settings,
            outcome,
            report,
            previous,
            log,
        )
    return outcome


def _attempt(log: Callable[[str], None], what: str, fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001
        log(f"could not {what}: {type(exc).__name__}: {exc}")
        return None


def _record(settings: Settings, outcome: RunOutcome) -> None:
    from orchestration.audit import record_dbt_tests, record_publication
    from orchestration.failed_checks import of_outcome
    from orchestration.warehouse import query_frame
    from sources import ENTITIES
    from sources.landing import as_of_date

    # the quality suites record their own rows in audit.gate_results as they run
    record_dbt_tests(settings, outcome.run_id, [c for c in outcome.checks if c.kind == "dbt_test"])
    kpi_rows = None
    if outcome.status == "published":
        kpi_rows = int(
            query_frame(
                settings,
                "select count(*) as n from published.cco_kpi_monthly "
                f"where run_id = '{outcome.run_id}'",
            )["n"][0]
        )
    record_publication(
        settings,
        outcome.run_id,
        outcome.status,
        of_outcome(outcome),
        kpi_rows,
        as_of_date(settings.landing_dir, ENTITIES),
        describe(outcome)[:4000],
    )


def _render(settings: Settings):
    from orchestration.report import write_report

    return write_report(settings)


def describe(outcome: RunOutcome) -> str:
    """One line for the log and the publication log's message."""
    from orchestration.failed_checks import of_outcome

    if outcome.status == "published":
        return "published the KPIs"
    failed = of_outcome(outcome)
    if outcome.status == "blocked":
        return "; ".join(f"{c.label} — {c.summary}" for c in failed if c.blocking)
    return "; ".join(f"{c.label} failed — {c.summary}" for c in failed if c.kind == "step")
