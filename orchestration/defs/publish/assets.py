"""Write-audit-publish, last step: replace `published.cco_kpi_monthly` from the audited candidate,
append it to `published.cco_kpi_monthly_history` and refresh `published.cco_kpi_restatements`.

This is a dbt invocation of its own, downstream of the blocking quality gates: a blocking check
cannot stop a model built in the same `dbt build`. A blocking check stops only the assets that
depend on the asset it is attached to, and each gate is attached to the table it validates, so
the published KPIs depend on every table a blocking gate is attached to: Dagster then runs the
gates first and skips publication when one fails.
"""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt import (
    DBT_MANIFEST,
    PUBLISH_SELECTION,
    WAREHOUSE_POOL,
    LayeredTranslator,
    dbt_environment,
    dbt_project,
    run_dbt,
)
from orchestration.defs.quality.checks import SUITES
from orchestration.defs.resources import C360Settings
from orchestration.serving import refresh_serving_copy
from orchestration.warehouse import query_frame

PUBLISHED_KPIS = "model.c360.cco_kpi_monthly"


class GatedPublicationTranslator(LayeredTranslator):
    """The published KPIs wait for, and are stopped by, every blocking gate wherever it hangs."""

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id != PUBLISHED_KPIS:
            return spec
        known = {dep.asset_key for dep in spec.deps}
        gated = {dg.AssetKey(list(s.asset)) for s in SUITES if s.blocking} - known
        return spec.merge_attributes(deps=sorted(gated, key=lambda key: key.path))


@dbt_assets(
    manifest=DBT_MANIFEST,
    project=dbt_project,
    dagster_dbt_translator=GatedPublicationTranslator(),
    select=PUBLISH_SELECTION,
    name="publish_kpis",
    pool=WAREHOUSE_POOL,
)
def publish_kpis(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: C360Settings):
    paths = settings.paths
    paths.make_warehouse_dir()
    _require_gates_passed(paths, context.run.run_id)
    _require_no_failed_check(context)
    env = dbt_environment(paths, run_id=context.run.run_id)
    yield from run_dbt(context, dbt, ["run"], paths, env)
    rows = int(query_frame(paths, "select count(*) as n from published.cco_kpi_monthly")["n"][0])
    # the outcome is recorded in audit.publication_log once the run has finished
    context.log.info(
        f"published {rows} KPI rows (as of {env['C360_AS_OF_DATE'] or 'the latest delivery'})"
    )
    if paths.target == "duckdb":
        serving = refresh_serving_copy(paths)
        context.log.info(f"BI serving copy refreshed: {serving}")


defs = dg.Definitions(assets=[publish_kpis])


def _require_gates_passed(paths, run_id: str) -> None:
    """Publish only what this run audited: every blocking suite ran in this run and passed.

    Dagster skips this step when a blocking check fails; this guards the other way in — a partial
    run (a single asset materialized from the UI) that did not run the gates at all.
    """
    blocking = {s.name for s in SUITES if s.blocking}
    try:
        rows = query_frame(
            paths,
            f"select suite, passed from audit.gate_results where run_id = '{run_id}' and blocking",
        )
        ran = dict(zip(rows["suite"], rows["passed"], strict=True))
    except Exception:  # noqa: BLE001
        ran = {}
    missing = sorted(blocking - ran.keys())
    failed = sorted(name for name, passed in ran.items() if not passed)
    if missing or failed:
        raise dg.Failure(
            description="refusing to publish KPIs this run did not audit: "
            f"gates not run {missing or '-'}, gates failed {failed or '-'}. "
            "Run the job c360_pipeline (or audit_and_publish).",
        )


def _require_no_failed_check(context: dg.AssetExecutionContext) -> None:
    """No blocking check (dbt test or quality suite) failed earlier in this run."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failed = sorted(
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in (r.event_log_entry.dagster_event.asset_check_evaluation_data for r in records)
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    )
    if failed:
        raise dg.Failure(description=f"refusing to publish: blocking checks failed {failed}")
