"""The warehouse: every dbt model an asset, every dbt test an asset check."""

import contextlib
import signal
import subprocess
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    dbt_assets,
)

from orchestration.dbt_manifest import dbt_executable, dbt_project, require_manifest
from orchestration.defs.resources import C360Settings
from orchestration.lock import warehouse_lock
from orchestration.raw_postgres import load_raw_into_postgres
from orchestration.settings import DBT_PROJECT_DIR, Settings, environment
from orchestration.spark import dbt_environment as spark_dbt_environment
from sources import ENTITIES
from sources.landing import as_of_date
from sources.rewrites import clear_rewrites, rewritten_tables

# Only one process may write the DuckDB file: every asset that writes it runs in this pool.
WAREHOUSE_POOL = "duckdb_warehouse"

# The assets are built from the manifest; loading only reads it (the entry points prepare it).
DBT_MANIFEST = require_manifest()


class LayeredTranslator(DagsterDbtTranslator):
    """Asset groups follow the dbt folders, so the UI shows staging / intermediate / marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "warehouse"


def dbt_environment(settings: Settings) -> dict[str, str]:
    """What dbt is told: the settings as its profile reads them, and the run's as-of date.

    Environment variables rather than dbt vars: a changed var makes dbt parse the whole project
    again, a changed variable only the files reading it. They are set only while dbt's process
    starts (`run_dbt`), never left in this process's environment.
    """
    as_of = as_of_date(settings.landing_dir, ENTITIES)
    return {
        **settings.environment(),
        **(spark_dbt_environment(settings) if settings.target == "spark" else {}),
        # empty when no delivery was found: the calendar model then takes the latest staged one
        "C360_AS_OF_DATE": as_of.isoformat() if as_of else "",
    }


def run_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    args: list[str],
    settings: Settings,
    env: Mapping[str, str],
):
    """Stream a dbt command's events; fail the step only when a model (not a test) errored.

    `env` is what dbt is told (`dbt_environment(settings)`); `settings` name the warehouse
    whose writer lock the command holds.

    A failing dbt test is a data-quality finding: it is reported as a failed asset check, dbt skips
    the models downstream of it, and so the KPIs are not published (exit code 2, not 1).
    """
    # within `c360 run` the lock is already held; a run launched from the UI refuses at once
    # rather than wait while holding its concurrency slot (which the lock holder may need)
    purpose = f"dbt {args[0]} in run {context.run.run_id}"
    with warehouse_lock(settings, purpose, timeout=0):
        with environment(env):  # dbt's process takes a copy when it starts
            invocation = dbt.cli(args, context=context, raise_on_error=False)
        yield from stream_to_the_end(invocation, invocation.stream())
    results = invocation.get_artifact("run_results.json").get("results", [])
    errored = [
        r["unique_id"]
        for r in results
        if r.get("status") == "error" and not r["unique_id"].startswith(("test.", "unit_test."))
    ]
    if errored or (not results and not invocation.is_successful()):
        raise dg.Failure(
            description=f"dbt failed: {', '.join(errored) or 'see the dbt log'}",
            metadata={"dbt_errors": dg.MetadataValue.json(errored)},
        )
    return results


def stream_to_the_end(invocation: DbtCliInvocation, events: Iterator[Any]) -> Iterator[Any]:
    """Yield dbt's events; if interrupted or closed before the end, stop dbt and finish the stream.

    A signal can land between two events, outside dagster-dbt's own interrupt handling. Its event
    generator is then left suspended, and closing it later prints an "Exception ignored"
    traceback (its reader swallows GeneratorExit). Read to the end instead, it finishes normally.
    """
    try:
        for event in events:  # noqa: UP028 - `yield from` would close `events` first
            yield event
    except BaseException:
        _stop_and_drain(invocation, events)
        raise


def _stop_and_drain(invocation: DbtCliInvocation, events: Iterator[Any]) -> None:
    if invocation.process.poll() is None:
        invocation.process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            invocation.process.wait(timeout=invocation.termination_timeout_seconds)
    with contextlib.suppress(Exception):
        for _ in events:
            pass


@dbt_assets(
    manifest=DBT_MANIFEST,
    project=dbt_project,
    dagster_dbt_translator=LayeredTranslator(),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: C360Settings
):
    paths = settings.paths
    paths.make_warehouse_dir()
    if paths.target == "postgres":  # PostgreSQL cannot read the Parquet raw layer: load it
        counts = load_raw_into_postgres(paths)
        context.log.info(f"loaded the raw layer into PostgreSQL: {counts}")
    # the raw layer changed behind its latest delivery: the incremental models cannot see it
    rewrites = rewritten_tables(paths.raw_dir)
    args = ["build", "--full-refresh"] if rewrites else ["build"]
    if rewrites:
        context.log.info(
            "full refresh: the raw layer changed behind its latest delivery in "
            + "; ".join(
                f"{table} ({changes[0]}{', …' * (len(changes) > 1)})"
                for table, changes in rewrites.items()
            )
        )
    results = yield from run_dbt(context, dbt, args, paths, dbt_environment(paths))
    if rewrites and all(
        r.get("status") == "success" for r in results if r["unique_id"].startswith("model.")
    ):
        clear_rewrites(paths.raw_dir, rewrites)


defs = dg.Definitions(
    assets=[warehouse_models],
    resources={
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        )
    },
)
