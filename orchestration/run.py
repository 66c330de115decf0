"""`c360 run`: materialize every asset once, in-process, and say plainly how it went.

What the run did is recorded by the code location (orchestration/outcome.py); this only prints it.

Exit codes (README): 0 when the KPIs were published, 2 when a data-quality gate blocked
publication (each failed check is named, with what it observed), 1 on any other failure.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import dagster as dg

from orchestration.failed_checks import of_outcome
from orchestration.lock import WarehouseBusy
from orchestration.outcome import (
    EXIT_BLOCKED,
    EXIT_FAILED,
    EXIT_PUBLISHED,
    RunOutcome,
    finalize_run,
    outcome_from_events,
)
from orchestration.progress import RunConsole
from orchestration.recovery import guarded_run, run_tags
from orchestration.report import report_path
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_label

__all__ = ["EXIT_BLOCKED", "EXIT_FAILED", "EXIT_PUBLISHED", "execute", "outcome_of", "run_pipeline"]


def execute(
    instance: dg.DagsterInstance,
    log_level: str = "INFO",
    job: str = "c360_pipeline",
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """One in-process run of a job (by default the whole pipeline), settings from the environment."""
    from orchestration.definitions import defs  # imported here: it reads the dbt manifest

    return defs.resolve_job_def(job).execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )


def outcome_of(result: dg.ExecuteInProcessResult) -> RunOutcome:
    return outcome_from_events(result.run_id, list(result.all_events))


def run_pipeline(settings: Settings, verbose: bool = False) -> int:
    print(f"c360 run: landing {settings.landing_dir}", flush=True)
    print(f"          warehouse {warehouse_label(settings)}", flush=True)
    try:
        with guarded_run(settings) as instance:  # one writer, recovered from runs that died
            return _run_guarded(settings, instance, verbose)
    except WarehouseBusy as exc:
        print(f"\nREFUSED: {exc}", flush=True)
    except KeyboardInterrupt as exc:
        print(
            f"\nSTOPPED ({exc or 'interrupted'}): nothing more was published; the last published "
            "KPIs stay in place, and the next run completes or redoes what this one left.",
            flush=True,
        )
    return EXIT_FAILED


def _run_guarded(settings: Settings, instance: dg.DagsterInstance, verbose: bool) -> int:
    started = time.perf_counter()
    log = run_log_path(settings)
    with RunConsole(log, verbose, expected_seconds=_last_run_seconds(instance)):
        # the log file gets Dagster's DEBUG events too (step starts, timings); the terminal, with
        # --verbose, the INFO log as before
        result = execute(instance, log_level="INFO" if verbose else "DEBUG", tags=run_tags())
    if _interrupted(result):  # a signal stopped a step: a stop, recovered by the next run
        raise KeyboardInterrupt("interrupted")
    outcome = finalize_run(settings, instance, result.run_id, lambda m: print(f"({m})"))
    elapsed = time.perf_counter() - started
    _summarise(result)
    failed = of_outcome(outcome)  # the same record audit.publication_log keeps
    if outcome.exit_code == EXIT_BLOCKED:
        print(
            f"\nBLOCKED after {elapsed:.0f}s: the KPIs were NOT published; the last published "
            f"KPIs stay in place. Failed check(s):"
        )
        for check in failed:
            if check.blocking:
                print(f"  - {check.label} — {check.summary}")
    elif outcome.exit_code == EXIT_FAILED:
        steps = ", ".join(c.check for c in failed if c.kind == "step") or "?"
        print(
            f"\nFAILED after {elapsed:.0f}s: step(s) {steps} failed; see the log {log} "
            f"(run id {result.run_id}). Nothing was published."
        )
    else:
        print(
            f"\nPUBLISHED in {elapsed:.0f}s (run id {result.run_id}); "
            f"warehouse {warehouse_label(settings)}"
        )
    report = report_path(settings)
    if report.exists():
        print(f"CCO report: {report}")
    return outcome.exit_code


def run_log_path(settings: Settings, keep: int = 50) -> Path:
    """A new log file for this run beside the warehouse (`logs/`); the oldest beyond `keep` go."""
    folder = settings.warehouse.parent / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("c360-run-*.log"))[: -keep or None]:
        old.unlink(missing_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return folder / f"c360-run-{stamp}-{os.getpid()}.log"


def _last_run_seconds(instance: dg.DagsterInstance) -> float | None:
    """How long the last successful pipeline run took, for the estimate of the time left."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(job_name="c360_pipeline", statuses=[dg.DagsterRunStatus.SUCCESS]),
        limit=1,
    )
    if not records or not records[0].start_time or not records[0].end_time:
        return None
    return records[0].end_time - records[0].start_time


def _interrupted(result: dg.ExecuteInProcessResult) -> bool:
    return any(
        e.is_step_failure
        and e.step_failure_data.error is not None
        and e.step_failure_data.error.cls_name == "DagsterExecutionInterruptedError"
        for e in result.all_events
    )


def _summarise(result: dg.ExecuteInProcessResult) -> None:
    from orchestration.defs.ingestion import summary_notes

    print("\nSummary")
    materialized = result.get_asset_materialization_events()
    for event in materialized:
        mat = event.materialization
        md = mat.metadata
        if mat.asset_key.path[0] == "raw" and "records_loaded" in md:
            print(
                f"  ingested {mat.asset_key.path[-1]:<24} {md['records_loaded'].value:>10,} loaded"
                f"  {md['records_rejected'].value:>7,} rejected  ({md['files_ingested'].value} new "
                f"file(s), {md['files_unchanged'].value} unchanged)"
            )
            for note in summary_notes(md):
                print(f"      {note}")
            for key, what in (("refused_links", "REFUSED"), ("deferred_deliveries", "deferred")):
                for item in md[key].value if key in md else []:
                    print(f"    {what}: {item}")
    models = [e for e in materialized if e.materialization.asset_key.path[0] != "raw"]
    checks = [
        e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    failed = [c for c in checks if not c.passed]
    print(
        f"  built {len(models)} warehouse model(s); {len(checks)} check(s) ran, {len(failed)} failed"
    )
    for check in failed:
        level = "blocking" if check.severity == dg.AssetCheckSeverity.ERROR else "warning"
        print(f"    {level}: {check.asset_key.to_user_string()}:{check.check_name}")
