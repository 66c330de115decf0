"""Every dbt test blocks publication, and so does every reconciliation suite.

One test reads the dbt manifest and the Dagster Definitions: every dbt data test must be a
blocking asset check. Then, for each singular test and each reconciliation suite, its rule is
broken in a copy of a published warehouse (a deliberately broken model: one row of the table it
reads is changed) and the real `audit_and_publish` job runs every dbt test and quality gate on
it: exit 2, the rule named in the outcome and in `audit.publication_log`, and the published
tables exactly as they were; a dbt test's observation is stored as a row of `audit.gate_results`.
"""

from __future__ import annotations

import json

import pytest

from orchestration.run import EXIT_BLOCKED, outcome_of
from orchestration.settings import Settings
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
}

# reconciliation suite (expectations/) -> one statement that breaks its rule
SUITE_BREAKS = {
    # one customer's current MRR drifts away from the latest month's mrr_usd
    "mrr_matches_customer_360": """
        update marts.customer_360 set current_mrr_usd = current_mrr_usd + 100
        where customer_id = (
            select min(customer_id) from marts.customer_360 where current_mrr_usd > 0)
    """,
    # one customer gains new MRR that the month's new_mrr_usd does not count
    "mrr_matches_customer_mrr_monthly": """
        update marts.fct_customer_mrr_monthly set new_mrr_usd = new_mrr_usd + 7
        where customer_id = (select min(customer_id) from marts.fct_customer_mrr_monthly)
    """,
    # expansion that the month's MRR does not show
    "mrr_movements_reconcile": f"""
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

    graph = defs.resolve_asset_graph()
    pipeline_checks = defs.resolve_job_def("c360_pipeline").asset_layer.asset_graph
    blocking_by_test = {}
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        unique_id = spec.metadata.get(DAGSTER_DBT_UNIQUE_ID_METADATA_KEY)
        if unique_id:
            blocking_by_test[unique_id] = (spec.blocking, key)

    tests = {uid: n for uid, n in _manifest()["nodes"].items() if n["resource_type"] == "test"}
    assert len(tests) > 200  # the project's generic and singular tests, all of them
    unmapped = []
    for unique_id in tests:
        blocking, key = blocking_by_test.get(unique_id, (False, None))
        if not blocking:
            unmapped.append(unique_id)
            continue
        assert key in pipeline_checks.asset_check_keys, f"{unique_id}: not in the pipeline"
    assert unmapped == [], f"dbt tests that block nothing: {unmapped}"

    singular = {
        n["name"]
        for n in tests.values()
        if "generic" not in n["fqn"] and not n.get("test_metadata")
    }
    assert singular == set(BREAKS)  # each one broken below
    # a rule is checked once: no dbt test left that only warns
    assert not [n["name"] for n in tests.values() if n["config"].get("severity") == "warn"]


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


@pytest.mark.parametrize("suite_name", sorted(SUITE_BREAKS))
def test_breaking_a_reconciliation_blocks_publication(
    published_copy: Settings, suite_name: str
) -> None:
    before = published_state(published_copy)
    checks = _assert_blocked_and_untouched(
        published_copy, before, SUITE_BREAKS[suite_name], suite_name
    )
    assert checks[suite_name].blocking and not checks[suite_name].passed


@pytest.mark.parametrize(
    ("kpi", "value"),
    [("nps", 150), ("fcr_rate", 1.5)],  # nps lies in [-100, 100], a rate in [0, 1]
)
def test_a_kpi_outside_its_units_range_blocks_by_its_suite(
    published_copy: Settings, kpi: str, value: float
) -> None:
    # A KPI's range is the suite kpi_values_in_range's alone, taken from its catalogued unit.
    before = published_state(published_copy)
    checks = _assert_blocked_and_untouched(
        published_copy,
        before,
        f"update marts.kpi_monthly set value = {value} where kpi = '{kpi}' and month = {LAST_MONTH}",
        "kpi_values_in_range",
    )
    assert checks["kpi_values_in_range"].blocking


def test_missing_fx_rate_blocks_by_its_suite(published_copy: Settings) -> None:
    # Completeness against the reported months is the suite fx_rates_complete's alone: no dbt
    # test checks it, so dbt still builds the KPI candidate the gate then refuses to publish.
    before = published_state(published_copy)
    checks = _assert_blocked_and_untouched(
        published_copy,
        before,
        "insert into intermediate.int_revenue__missing_fx_rates "
        "values ('2026-08-01', 'eur', 1, 1, 100.0)",
        "fx_rates_complete",
    )
    assert checks["fx_rates_complete"].blocking


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
