"""The same pipeline on the production target, PostgreSQL: the fixture publishes the same KPIs.

Needs the PostgreSQL server on 127.0.0.1:5432 (trust auth); each run gets a database of its own.
"""

from __future__ import annotations

import uuid

import pytest

from orchestration.failed_checks import from_json
from tests.conftest import SMALL_LANDING, kpi_differences, point_settings_at, run_pipeline
from tests.fixtures.small import expected as X

psycopg = pytest.importorskip("psycopg")


def _admin():
    try:
        return psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres",
            autocommit=True,
            connect_timeout=3,
        )
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server reachable on 127.0.0.1:5432 ({exc})")


@pytest.fixture
def pg_database(tmp_path, monkeypatch):
    name = f"c360_test_{uuid.uuid4().hex[:10]}"
    with _admin() as admin:
        admin.execute(f"create database {name}")
    point_settings_at(tmp_path, monkeypatch, landing_from=SMALL_LANDING)
    for var, value in {
        "C360_TARGET": "postgres",
        "PGHOST": "127.0.0.1",
        "PGPORT": "5432",
        "PGUSER": "postgres",
        "PGDATABASE": name,
    }.items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("C360_PG_DSN", raising=False)
    yield name
    with _admin() as admin:
        admin.execute(f"drop database if exists {name} with (force)")


def test_fixture_publishes_the_hand_computed_kpis_on_postgres(pg_database: str) -> None:
    from orchestration.run import EXIT_PUBLISHED, outcome_of

    outcome = outcome_of(run_pipeline())
    assert outcome.exit_code == EXIT_PUBLISHED, outcome
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={pg_database}") as con:
        rows = con.execute(
            "select to_char(month, 'YYYY-MM-DD'), kpi, value, numerator, "
            "denominator from published.cco_kpi_monthly"
        ).fetchall()
        identity = con.execute(
            "select source_system, source_id, customer_id, match_rule "
            "from marts.customer_identity_map"
        ).fetchall()
        [(outcome, failed_names, failed_json)] = con.execute(
            "select outcome, failed_checks, failed_checks_json from audit.publication_log"
        ).fetchall()
    actual = {(m, k): (v, n, d) for m, k, v, n, d in rows}
    assert not kpi_differences(actual, X.EXPECTED_KPIS)
    assert sorted(identity) == sorted(X.EXPECTED_IDENTITY)
    # the run's record: nothing blocking failed (a warning may be listed)
    recorded = from_json(failed_json)
    assert outcome == "published" and failed_names is None and recorded is not None
    assert not [c for c in recorded if c.blocking]
