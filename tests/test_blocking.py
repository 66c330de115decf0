"""Every dbt test blocks publication.

One test reads the dbt manifest and the Dagster Definitions: every dbt data test must be a
blocking asset check (or a deliberate warning whose rule a blocking quality suite enforces on the
same model). Then, for each singular test, its rule is broken in a copy of a published warehouse
(a deliberately broken model: one row of the table it reads is changed) and the real
`audit_and_publish` job runs every dbt test and quality gate on it: exit 2, the test named in the
outcome and in `audit.publication_log`, its observation stored as a row of `audit.gate_results`,
and the published tables exactly as they were.
"""

from __future__ import annotations

import json

import pytest

from orchestration.run import EXIT_BLOCKED, outcome_of
from orchestration.settings import DBT_PROJECT_DIR, Settings
from orchestration.warehouse import duckdb_connection
from tests.conftest import published_state, query, run_pipeline

LAST_MONTH = "(select max(month) from marts.kpi_monthly)"
FIRST_MONTH = (
    "(select month from intermediate.int_calendar__reported_months where is_first_reported_month)"
)

# singular test -> one statement that breaks its rule (and only as much as needed)
BREAKS = {
    # a counting line loses one of its covered months: its amount no longer reaches MRR in full
    "assert_counting_lines_reach_mrr_months": """
        delete from intermediate.int_invoice_lines__spread_monthly
        where invoice_line_key = (
            select min(invoice_line_key) from intermediate.int_invoice_lines__spread_monthly)
          and covered_month = (
            select min(covered_month) from intermediate.int_invoice_lines__spread_monthly
            where invoice_line_key = (
                select min(invoice_line_key) from intermediate.int_invoice_lines__spread_monthly))
    """,
    # one customer's current MRR drifts away from the latest month's mrr_usd
    "assert_customer_360_mrr_matches_kpi": """
        update marts.customer_360 set current_mrr_usd = current_mrr_usd + 100
        where customer_id = (
            select min(customer_id) from marts.customer_360 where current_mrr_usd > 0)
    """,
    # one customer-month's movement no longer explains its change of MRR
    "assert_customer_mrr_movements_reconcile": """
        update marts.fct_customer_mrr_monthly set mrr_change_usd = mrr_change_usd + 7
        where customer_id = (select min(customer_id) from marts.fct_customer_mrr_monthly)
    """,
    # a score that is not 100 less its reasons' deductions
    "assert_health_score_matches_reasons": """
        update marts.fct_customer_health_monthly set health_score = health_score - 1
        where customer_id = (select min(customer_id) from marts.fct_customer_health_monthly)
    """,
    # an invoice's billing customer vanishes from the identity map
    "assert_invoice_customers_in_identity_map": """
        delete from marts.customer_identity_map
        where source_system = 'billing'
          and source_id = (select min(billing_customer_id) from staging.stg_billing__invoices)
    """,
    # a retention KPI with a value in the first reported month
    "assert_kpi_first_month_rules": f"""
        update marts.kpi_monthly set value = 1
        where kpi = 'churned_customers' and month = {FIRST_MONTH}
    """,
    "assert_kpi_nps_within_bounds": f"""
        update marts.kpi_monthly set value = 150 where kpi = 'nps' and month = {LAST_MONTH}
    """,
    "assert_kpi_rates_within_unit_interval": f"""
        update marts.kpi_monthly set value = 1.5 where kpi = 'fcr_rate' and month = {LAST_MONTH}
    """,
    # expansion that the month's MRR does not show
    "assert_mrr_movements_reconcile": f"""
        update marts.kpi_monthly set value = value + 100
        where kpi = 'expansion_mrr_usd' and month = {LAST_MONTH}
    """,
}


def _manifest() -> dict:
    from orchestration.defs.dbt import dbt_project

    return json.loads(dbt_project.manifest_path.read_text())


def test_every_dbt_test_blocks_publication() -> None:
    from dagster_dbt.asset_utils import DAGSTER_DBT_UNIQUE_ID_METADATA_KEY

    from orchestration.definitions import defs
    from orchestration.defs.quality.checks import SUITES

    graph = defs.resolve_asset_graph()
    pipeline_checks = defs.resolve_job_def("c360_pipeline").asset_layer.asset_graph
    blocking_by_test = {}
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        unique_id = spec.metadata.get(DAGSTER_DBT_UNIQUE_ID_METADATA_KEY)
        if unique_id:
            blocking_by_test[unique_id] = (spec.blocking, key)
    suites = {s.name: s for s in SUITES}

    tests = {uid: n for uid, n in _manifest()["nodes"].items() if n["resource_type"] == "test"}
    assert len(tests) > 200  # the project's generic and singular tests, all of them
    unmapped = []
    for unique_id, node in tests.items():
        blocking, key = blocking_by_test.get(unique_id, (False, None))
        if blocking:
            assert key in pipeline_checks.asset_check_keys, f"{unique_id}: not in the pipeline"
            continue
        # A deliberate warning: allowed only when a blocking suite enforces its rule on the
        # same model, and the test says why it warns.
        enforced_by = (node["config"].get("meta") or {}).get("c360", {}).get("enforced_by")
        suite = suites.get(enforced_by)
        model = next(iter(node["depends_on"]["nodes"]), "").rsplit(".", 1)[-1]
        warns = node["config"].get("severity", "").lower() == "warn"
        reason = (DBT_PROJECT_DIR / node["original_file_path"]).read_text().lstrip()
        if (
            key is not None
            and warns
            and suite is not None
            and suite.blocking
            and model in suite.query
            and reason.startswith("--")
        ):
            continue
        unmapped.append(unique_id)
    assert unmapped == [], f"dbt tests that block nothing: {unmapped}"

    singular = {
        n["name"]
        for n in tests.values()
        if "generic" not in n["fqn"] and not n.get("test_metadata")
    }
    assert singular == set(BREAKS) | {"assert_no_missing_fx_rates"}  # each one broken below


def _assert_blocked_and_untouched(settings: Settings, before, breaks: str, named: str) -> dict:
    with duckdb_connection(settings) as con:
        con.execute(breaks)
    outcome = outcome_of(run_pipeline("audit_and_publish"))
    assert outcome.exit_code == EXIT_BLOCKED, outcome
    failed = {c.check: c for c in outcome.failed_checks}
    assert named in failed, sorted(failed)
    assert published_state(settings) == before  # same rows, run_id and published_at
    [(logged, failed_checks)] = query(
        settings,
        "select outcome, failed_checks from audit.publication_log "
        "order by attempted_at desc limit 1",
    )
    assert logged == "blocked" and named in failed_checks
    return {c.check: c for c in outcome.checks}


@pytest.mark.parametrize("test_name", sorted(BREAKS))
def test_breaking_a_singular_test_blocks_publication(
    published_copy: Settings, test_name: str
) -> None:
    before = published_state(published_copy)
    checks = _assert_blocked_and_untouched(published_copy, before, BREAKS[test_name], test_name)
    assert checks[test_name].blocking and not checks[test_name].passed
    # the observation is stored as a structured row, not only as text
    [(passed, blocking, failures)] = query(
        published_copy,
        f"select passed, blocking, failures_json from audit.gate_results "
        f"where suite = '{test_name}' order by checked_at desc limit 1",
    )
    assert not passed and blocking
    assert json.loads(failures)[0]["failed_row_count"] >= 1


def test_missing_fx_rate_warns_in_dbt_and_blocks_by_its_suite(published_copy: Settings) -> None:
    # The dbt test is a deliberate warning (dbt still builds the KPI candidate); the quality
    # suite fx_rates_complete, reading the same model, is what blocks.
    before = published_state(published_copy)
    checks = _assert_blocked_and_untouched(
        published_copy,
        before,
        "insert into intermediate.int_revenue__missing_fx_rates "
        "values ('2026-08-01', 'eur', 1, 1, 100.0)",
        "fx_rates_complete",
    )
    warning = checks["assert_no_missing_fx_rates"]
    assert not warning.passed and not warning.blocking


def test_a_month_missing_a_catalogued_kpi_blocks_by_its_suite(published_copy: Settings) -> None:
    # Month completeness is a publication rule of the quality suite kpi_months_complete, which
    # compares each month's KPIs with the KPI catalogue: the latest month loses one of them.
    before = published_state(published_copy)
    checks = _assert_blocked_and_untouched(
        published_copy,
        before,
        f"delete from marts.kpi_monthly where kpi = 'ces' and month = {LAST_MONTH}",
        "kpi_months_complete",
    )
    assert checks["kpi_months_complete"].blocking
