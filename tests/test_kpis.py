"""The warehouse's numbers against the hand-made fixture (tests/fixtures/small).

Every expected value in tests/fixtures/small/expected.py was computed by hand from docs/kpis.md, with
the arithmetic next to it; the story of each customer is in tests/fixtures/small/README.md. One
real pipeline run (ingestion, dbt, quality gates, publication) on the fixture feeds every test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import (
    SMALL_LANDING,
    close,
    kpi_differences,
    point_settings_at,
    query,
    run_pipeline,
)
from tests.fixtures.small import expected as X


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as mp:
        point_settings_at(tmp_path_factory.mktemp("kpis"), mp, landing_from=SMALL_LANDING)
        from orchestration.run import EXIT_PUBLISHED, outcome_of
        from orchestration.settings import Settings

        result = run_pipeline()
        outcome = outcome_of(result)
        assert outcome.exit_code == EXIT_PUBLISHED, outcome
        yield Settings.from_env()


def test_identity_map(warehouse) -> None:
    rows = query(
        warehouse,
        "select source_system, source_id, customer_id, match_rule from marts.customer_identity_map",
    )
    assert sorted(rows) == sorted(X.EXPECTED_IDENTITY)


def test_every_customer_once_in_dim_customer_and_customer_360(warehouse) -> None:
    dim = query(warehouse, "select customer_id from marts.dim_customer")
    c360 = query(warehouse, "select customer_id from marts.customer_360")
    assert sorted(r[0] for r in dim) == sorted(X.ALL_CUSTOMERS)
    assert sorted(r[0] for r in c360) == sorted(X.ALL_CUSTOMERS)


def test_call_links(warehouse) -> None:
    rows = query(warehouse, "select call_id, customer_id, link_rule from marts.fct_calls")
    assert {r[0]: (r[1], r[2]) for r in rows} == X.EXPECTED_CALL_LINKS


def test_survey_links(warehouse) -> None:
    rows = query(warehouse, "select survey_id, customer_id from marts.fct_surveys")
    assert dict(rows) == X.EXPECTED_SURVEY_LINKS


def test_customer_mrr(warehouse) -> None:
    months = "', '".join(X.REPORTED_MONTHS)
    rows = query(
        warehouse,
        f"""
        select customer_id, strftime(month, '%Y-%m-%d'), mrr_usd from marts.fct_customer_mrr_monthly
        where mrr_usd <> 0 and strftime(month, '%Y-%m-%d') in ('{months}')""",
    )
    actual = {(c, m): v for c, m, v in rows}
    assert actual.keys() == X.EXPECTED_MRR.keys()
    wrong = {k: (actual[k], v) for k, v in X.EXPECTED_MRR.items() if not close(actual[k], v)}
    assert not wrong


def test_every_kpi_every_month_as_computed_by_hand(warehouse) -> None:
    rows = query(
        warehouse,
        "select strftime(month, '%Y-%m-%d'), kpi, value, numerator, denominator "
        "from published.cco_kpi_monthly",
    )
    actual = {(m, k): (v, n, d) for m, k, v, n, d in rows}
    assert not kpi_differences(actual, X.EXPECTED_KPIS)


def test_health_scores_and_reasons(warehouse) -> None:
    rows = query(
        warehouse,
        "select customer_id, strftime(month, '%Y-%m-%d'), health_score, reasons "
        "from marts.fct_customer_health_monthly",
    )
    actual = {(c, m): (s, tuple(sorted(r.split(","))) if r else ()) for c, m, s, r in rows}
    wrong = {k: (actual.get(k), v) for k, v in X.EXPECTED_HEALTH.items() if actual.get(k) != v}
    assert not wrong


def test_at_risk_customers(warehouse) -> None:
    rows = query(
        warehouse,
        "select customer_id, strftime(month, '%Y-%m-%d'), mrr_usd "
        "from marts.fct_customer_health_monthly where is_at_risk",
    )
    actual = {(c, m): v for c, m, v in rows}
    assert actual.keys() == X.EXPECTED_AT_RISK.keys()
    assert all(close(actual[k], v) for k, v in X.EXPECTED_AT_RISK.items())


def test_rerun_publishes_identical_values_while_bi_holds_the_serving_copy(warehouse) -> None:
    import duckdb

    from orchestration.serving import serving_path

    published = "select month, kpi, value, numerator, denominator from published.cco_kpi_monthly order by all"
    before = query(warehouse, published)
    raw_before = query(warehouse, "select count(*) from raw.crm_accounts")
    # A BI tool connected to the serving copy for the whole run: neither side may fail.
    with duckdb.connect(str(serving_path(warehouse)), read_only=True) as bi:
        assert bi.sql("select count(*) from published.cco_kpi_monthly").fetchone()[0] == len(before)
        from orchestration.run import EXIT_PUBLISHED, outcome_of

        assert outcome_of(run_pipeline()).exit_code == EXIT_PUBLISHED
        assert bi.sql("select count(*) from marts.customer_360").fetchone()[0] == len(
            X.ALL_CUSTOMERS
        )
    assert query(warehouse, published) == before
    assert query(warehouse, "select count(*) from raw.crm_accounts") == raw_before
    with duckdb.connect(str(serving_path(warehouse)), read_only=True) as bi:
        assert bi.sql(published).fetchall() == before


def test_dbt_docs_generate_describes_the_built_warehouse(warehouse, tmp_path) -> None:
    import json
    import subprocess
    import sys

    from orchestration.settings import DBT_PROJECT_DIR

    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [
            str(dbt),
            "docs",
            "generate",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    assert "model.c360.customer_360" in catalog["nodes"]
    assert "source.c360.published.cco_kpi_monthly" in catalog["sources"]
