"""Write-audit-publish, last step: replace `published.cco_kpi_monthly` from the audited candidate,
append it to `published.cco_kpi_monthly_history` and rebuild `published.cco_kpi_restatements`,
in one transaction (statements.py); on Spark, which has none, as an append and then a commit that
moves the published views (spark_publication.py).

A step of its own, downstream of the blocking quality gates: a blocking check cannot stop a model
built in the same `dbt build`. A blocking check stops only the assets that depend on the asset it
is attached to, and each gate is attached to the table it validates, so the published KPIs depend
on every table a blocking gate is attached to: Dagster then runs the gates first and skips
publication when one fails. The step writes the 3 small tables itself rather than through a second
dbt process, whose start-up and parse would cost more than the publication.
"""

import dagster as dg

from orchestration.audit import now_utc
from orchestration.defs.dbt import WAREHOUSE_POOL
from orchestration.defs.publish import spark_publication
from orchestration.defs.publish.statements import (
    CURRENT,
    HISTORY,
    RESTATEMENTS,
    publication_statements,
)
from orchestration.defs.quality.checks import SUITES
from orchestration.defs.quality.relations import project_relations
from orchestration.defs.resources import C360Settings
from orchestration.lock import warehouse_lock
from orchestration.serving import refresh_serving_copy
from orchestration.warehouse import execute, query_frame

PUBLISHED = (CURRENT, HISTORY, RESTATEMENTS)


def _published_specs() -> list[dg.AssetSpec]:
    """The published tables, as the dbt source `published` declares them; the current KPIs wait
    for, and are stopped by, every blocking gate wherever it hangs."""
    relations = project_relations()
    kpi_monthly = relations.render("{{ ref('kpi_monthly') }}")[1][0].asset_key
    gated = {dg.AssetKey(list(s.asset)) for s in SUITES if s.blocking} | {kpi_monthly}
    sources = {
        s["name"]: s
        for s in relations.manifest["sources"].values()
        if s["source_name"] == "published"
    }
    keys = {name: dg.AssetKey(["published", name]) for name in PUBLISHED}
    deps = {
        CURRENT: sorted(gated, key=lambda key: key.path),
        HISTORY: [keys[CURRENT]],
        RESTATEMENTS: [keys[HISTORY]],
    }
    return [
        dg.AssetSpec(
            key=keys[name],
            deps=deps[name],
            group_name="published",
            description=sources[name]["description"].strip(),
            kinds={"sql"},
        )
        for name in PUBLISHED
    ]


@dg.multi_asset(specs=_published_specs(), name="publish_kpis", pool=WAREHOUSE_POOL)
def publish_kpis(context: dg.AssetExecutionContext, settings: C360Settings):
    paths = settings.paths
    paths.make_warehouse_dir()
    run_id = context.run.run_id
    _require_gates_passed(paths, run_id)
    _require_no_failed_check(context)
    # within `c360 run` the lock is already held; a run launched from the UI refuses at once
    with warehouse_lock(paths, f"publication in run {run_id}", timeout=0):
        if paths.target == "spark":  # no transactions: an append, then a commit row
            spark_publication.publish(paths, run_id, now_utc())
        else:
            execute(paths, publication_statements(paths, run_id, now_utc()))
    counted = query_frame(
        paths,
        "select "
        + ", ".join(f"(select count(*) from published.{name}) as {name}" for name in PUBLISHED),
    )
    rows = {name: int(counted[name][0]) for name in PUBLISHED}
    # the outcome is recorded in audit.publication_log once the run has finished
    context.log.info(f"replaced published.{CURRENT}: published {rows[CURRENT]} KPI rows")
    for name, count in rows.items():
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["published", name]), metadata={"rows": count}
        )
    if paths.target == "duckdb":
        context.log.info("refreshing the BI serving copy")
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
