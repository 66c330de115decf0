"""`c360 run`: materialize every asset once, in-process, and say plainly how it went.

Exit codes (INTERFACE.md): 0 when the KPIs were published, 2 when a data-quality gate blocked
publication (each failed check is named, with what it observed), 1 on any other failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import dagster as dg

from orchestration.lock import WarehouseBusy
from orchestration.recovery import guarded_run, run_tags
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_label

EXIT_PUBLISHED, EXIT_FAILED, EXIT_BLOCKED = 0, 1, 2
PUBLISHED_KEY = dg.AssetKey(["published", "cco_kpi_monthly"])


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    published: bool
    failed_checks: list[str]  # "asset:check — what it observed"
    failed_steps: list[str]


def execute(
    instance: dg.DagsterInstance,
    log_level: str = "INFO",
    job: str = "c360_pipeline",
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """One in-process run of a job (by default the whole pipeline), settings from the environment."""
    from orchestration.definitions import defs  # imported here: loading parses dbt if needed

    return defs.resolve_job_def(job).execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )


def outcome_of(result: dg.ExecuteInProcessResult) -> Outcome:
    published = any(
        e.materialization.asset_key == PUBLISHED_KEY
        for e in result.get_asset_materialization_events()
    )
    failed_checks = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        check = event.asset_check_evaluation_data
        if check.passed or check.severity != dg.AssetCheckSeverity.ERROR:
            continue
        summary = check.metadata.get("summary")
        detail = summary.value if summary is not None else "dbt test failed"
        failed_checks.append(f"{check.asset_key.to_user_string()}:{check.check_name} — {detail}")
    # A failed blocking check fails its own step by design (that is what stops the steps after
    # it): such a step is a gate that held publication back, not a crash.
    failed_steps = [
        e.step_key
        for e in result.all_events
        if e.is_step_failure
        and e.step_failure_data.error is not None
        and e.step_failure_data.error.cls_name != "DagsterAssetCheckFailedError"
    ]
    if published and not failed_steps:
        code = EXIT_PUBLISHED
    elif failed_checks and not failed_steps:
        code = EXIT_BLOCKED
    else:
        code = EXIT_FAILED
    return Outcome(code, published, failed_checks, failed_steps)


def _record_unlogged(
    settings: Settings, result: dg.ExecuteInProcessResult, outcome: Outcome
) -> None:
    """The gates step logs its own blocks; a run stopped earlier (a failed dbt test or step) is
    logged here, so the scorecard can say why nothing new was published."""
    from orchestration.audit import record_publication
    from orchestration.warehouse import query_frame
    from sources import ENTITIES
    from sources.landing import as_of_date

    try:
        logged = query_frame(
            settings,
            f"select count(*) as n from audit.publication_log where run_id = '{result.run_id}'",
        )["n"][0]
    except Exception:  # noqa: BLE001
        logged = 0
    if not logged:
        record_publication(
            settings,
            result.run_id,
            "blocked" if outcome.exit_code == EXIT_BLOCKED else "failed",
            [c.split(" — ")[0] for c in outcome.failed_checks],
            None,
            as_of_date(settings.landing_dir, ENTITIES),
            "; ".join(outcome.failed_checks or outcome.failed_steps)[:4000],
        )


def run_pipeline(settings: Settings) -> int:
    print(f"c360 run: landing {settings.landing_dir}", flush=True)
    print(f"          warehouse {warehouse_label(settings)}", flush=True)
    try:
        with guarded_run(settings) as instance:  # one writer, recovered from runs that died
            return _run_guarded(settings, instance)
    except WarehouseBusy as exc:
        print(f"\nREFUSED: {exc}", flush=True)
    except KeyboardInterrupt as exc:
        print(
            f"\nSTOPPED ({exc or 'interrupted'}): nothing more was published; the last published "
            "KPIs stay in place, and the next run completes or redoes what this one left.",
            flush=True,
        )
    return EXIT_FAILED


def _run_guarded(settings: Settings, instance: dg.DagsterInstance) -> int:
    started = time.perf_counter()
    result = execute(instance, tags=run_tags())
    elapsed = time.perf_counter() - started
    outcome = outcome_of(result)
    _summarise(result)
    if outcome.exit_code != EXIT_PUBLISHED:
        try:
            _record_unlogged(settings, result, outcome)
        except Exception as exc:  # noqa: BLE001 - the warehouse itself may be what failed
            print(f"(could not record the outcome in audit.publication_log: {exc})")
    report = _refresh_report(settings, outcome)
    if outcome.exit_code == EXIT_BLOCKED:
        print(
            f"\nBLOCKED after {elapsed:.0f}s: the KPIs were NOT published; the last published "
            f"KPIs stay in place. Failed check(s):"
        )
        for check in outcome.failed_checks:
            print(f"  - {check}")
    elif outcome.exit_code == EXIT_FAILED:
        print(
            f"\nFAILED after {elapsed:.0f}s: step(s) {', '.join(outcome.failed_steps) or '?'} "
            f"failed; see the log above (run id {result.run_id}). Nothing was published."
        )
    else:
        print(
            f"\nPUBLISHED in {elapsed:.0f}s (run id {result.run_id}); "
            f"warehouse {warehouse_label(settings)}"
        )
    if report is not None:
        print(f"CCO report: {report}")
    return outcome.exit_code


def _refresh_report(settings: Settings, outcome: Outcome):
    """The report asset runs only after a publication; when the gates held the KPIs back, the
    scorecard is re-rendered here so that its banner says so (its numbers stay the last good ones)."""
    from orchestration.report import report_path, write_report

    if outcome.published:
        return report_path(settings)
    try:
        return write_report(settings)
    except Exception as exc:  # noqa: BLE001
        print(f"(could not render the CCO report: {exc})")
        return None


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
