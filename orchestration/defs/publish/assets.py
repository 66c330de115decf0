"""Write-audit-publish, last step: replace `published.cco_kpi_monthly` from the audited candidate.

This is a dbt invocation of its own, downstream of the blocking quality gates on
`marts/kpi_monthly`: a blocking check cannot stop a model built in the same `dbt build`.
"""

import json

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.audit import record_publication
from orchestration.defs.dbt import (
    PUBLISH_SELECTION,
    WAREHOUSE_POOL,
    LayeredTranslator,
    dbt_project,
    run_dbt,
)
from orchestration.defs.quality.checks import SUITES
from orchestration.defs.resources import C360Settings
from orchestration.serving import refresh_serving_copy
from orchestration.spark import export as spark_env
from orchestration.warehouse import query_frame
from sources import ENTITIES
from sources.landing import as_of_date


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LayeredTranslator(),
    select=PUBLISH_SELECTION,
    name="publish_kpis",
    pool=WAREHOUSE_POOL,
)
def publish_kpis(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: C360Settings):
    paths = settings.paths
    paths.export()
    _require_gates_passed(paths, context.run.run_id)
    if paths.target == "spark":
        spark_env(paths)
    as_of = as_of_date(paths.landing_dir, ENTITIES)
    dbt_vars = {
        "run_id": context.run.run_id,
        "as_of_date": as_of.isoformat() if as_of else "2999-12-31",
    }
    yield from run_dbt(context, dbt, ["run", "--vars", json.dumps(dbt_vars)])
    rows = int(query_frame(paths, "select count(*) as n from published.cco_kpi_monthly")["n"][0])
    record_publication(
        paths, context.run.run_id, "published", [], rows, as_of, f"published {rows} KPI rows"
    )
    context.log.info(f"published {rows} KPI rows (as of {as_of})")
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
        ran = dict(zip(rows["suite"], rows["passed"]))
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
