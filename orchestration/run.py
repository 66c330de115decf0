"""`c360 run`: materialize every asset once, in-process, and say plainly how it went."""

from __future__ import annotations

import sys
import time

import dagster as dg

from orchestration.settings import Settings

EXIT_PUBLISHED, EXIT_FAILED, EXIT_BLOCKED = 0, 1, 2


def _print(line: str = "") -> None:
    print(line, flush=True)


def execute(instance: dg.DagsterInstance, log_level: str = "INFO") -> dg.ExecuteInProcessResult:
    """One in-process run of the whole pipeline, with the settings in the environment."""
    from orchestration.definitions import defs  # imported here: loading parses dbt if needed

    return defs.get_job_def("c360_pipeline").execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )


def run_pipeline(settings: Settings) -> int:
    started = time.perf_counter()
    _print(f"c360 run: landing {settings.landing_dir}")
    _print(f"          warehouse {settings.warehouse} (target {settings.target})")
    with dg.DagsterInstance.get() as instance:
        result = execute(instance)
    elapsed = time.perf_counter() - started
    _summarise(result)
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        _print(f"\nFAILED after {elapsed:.0f}s: step(s) {', '.join(failed) or '?'} failed "
               f"(see the log above; run id {result.run_id})")
        return EXIT_FAILED
    _print(f"\nOK in {elapsed:.0f}s (run id {result.run_id}); warehouse: {settings.warehouse}")
    return EXIT_PUBLISHED


def _summarise(result: dg.ExecuteInProcessResult) -> None:
    _print("\nSummary")
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.path[0] != "raw":
            continue
        md = mat.metadata
        if "records_loaded" in md:
            _print(f"  ingested {mat.asset_key.path[-1]:<24} "
                   f"{md['records_loaded'].value:>10,} loaded  {md['records_rejected'].value:>7,} "
                   f"rejected  ({md['files_ingested'].value} new file(s), "
                   f"{md['files_unchanged'].value} unchanged)")
    models = [e for e in result.get_asset_materialization_events()
              if e.materialization.asset_key.path[0] != "raw"]
    checks = [e.asset_check_evaluation_data for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [c for c in checks if not c.passed]
    _print(f"  built {len(models)} warehouse model(s); {len(checks)} check(s), {len(failed)} failed")
    for check in failed:
        _print(f"    failed check {check.asset_key.to_user_string()}:{check.check_name}")
    sys.stdout.flush()
