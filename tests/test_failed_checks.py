"""What held a run back is stored as structure (audit.publication_log.failed_checks_json) and read
back as structure by the scorecard and the CLI: a summary with commas or semicolons in it stays
whole. A log table made before the column keeps working, on DuckDB and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from orchestration.audit import record_publication
from orchestration.failed_checks import FailedCheck, blocking_names, from_json, of_outcome, to_json
from orchestration.outcome import CheckFinding, RunOutcome, StepFailure, describe
from orchestration.report import write_report
from orchestration.report.data import load
from orchestration.settings import Settings
from tests import test_postgres
from tests.conftest import settings_in
from tests.test_report import (
    LOG_INSERT,
    RUN_NOV_3,
    block_two_runs,
    build_warehouse,
    parse,
)

pg_database = test_postgres.pg_database  # a fresh PostgreSQL database per test

# A dbt test whose summary has the separators the joined message uses: it must stay one check.
RECONCILE = FailedCheck(
    "assert_mrr_movements_reconcile",
    "marts/kpi_monthly",
    "dbt_test",
    True,
    "2 row(s) break the rule; months 2026-10, 2026-11",
)
MOVEMENT = FailedCheck(
    "kpi_month_over_month",
    "marts/kpi_monthly",
    "quality_gate",
    False,
    "kpi_month_over_month: FAILED mrr_usd moved 40%",
)
BUILD = FailedCheck("dbt_build", None, "step", True, "DbtError: Binder Error: column x not found")


def _log(settings: Settings, run_id: str, at: dt.datetime, outcome: str, checks) -> None:
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            LOG_INSERT,
            [
                run_id,
                at,
                outcome,
                blocking_names(checks),
                None,
                at.date(),
                "a message the scorecard does not read; nor split",
                to_json(checks),
            ],
        )


def _banner_checks(settings: Settings) -> dict[str, str]:
    status = parse(write_report(settings).read_text()).find(id="data-status")
    return {n.attrs["data-check"]: n.text() for n in status.find_all() if "data-check" in n.attrs}


def test_the_record_round_trips_and_derives_the_legacy_column() -> None:
    outcome = RunOutcome(
        "run-1",
        attempted_publication=True,
        published=False,
        checks=(
            CheckFinding(
                "marts/kpi_monthly", "kpi_values_in_range", "quality_gate", True, True, "ok"
            ),
            CheckFinding(
                RECONCILE.asset, RECONCILE.check, "dbt_test", True, False, RECONCILE.summary
            ),
            CheckFinding(
                MOVEMENT.asset, MOVEMENT.check, "quality_gate", False, False, MOVEMENT.summary
            ),
        ),
        failed_steps=(StepFailure("dbt_build", BUILD.summary),),
    )
    failed = of_outcome(outcome)
    assert failed == [RECONCILE, MOVEMENT, BUILD]  # passed checks are not recorded
    assert from_json(to_json(failed)) == failed  # DuckDB hands back text
    assert from_json([vars(c) for c in failed]) == failed  # psycopg hands back the list
    assert from_json(None) is None  # a row logged before the column
    # BI readers' column: the blocking checks only, as before; never a step
    assert blocking_names(failed) == "marts/kpi_monthly:assert_mrr_movements_reconcile"
    assert describe(outcome) == f"step dbt_build failed — {BUILD.summary}"


def test_the_scorecard_reads_the_structure_not_the_message(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)  # published by RUN_NOV_3; no gate rows for the runs below
    _log(settings, "run-blocked", dt.datetime(2026, 11, 4, 6, 0), "blocked", [RECONCILE, MOVEMENT])
    _log(settings, "run-failed", dt.datetime(2026, 11, 5, 6, 0), "failed", [BUILD])
    checks = _banner_checks(settings)
    # the warning did not hold anything back; the step did
    assert list(checks) == ["assert_mrr_movements_reconcile", "step dbt_build"]
    assert checks["assert_mrr_movements_reconcile"] == (
        "assert_mrr_movements_reconcile — 2 row(s) break the rule; months 2026-10, 2026-11"
    )
    assert checks["step dbt_build"] == f"step dbt_build — {BUILD.summary}"


def test_warnings_of_the_published_run_come_from_its_record(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "update audit.publication_log set failed_checks_json = ? where run_id = ?",
            [to_json([MOVEMENT]), RUN_NOV_3],
        )
    status = parse(write_report(settings).read_text()).find(id="data-status")
    assert status.attrs["data-status"] == "validated"
    assert "Non-blocking checks that warned: kpi_month_over_month — mrr_usd moved 40%" in (
        status.text()
    )


def test_a_log_table_from_before_the_column_keeps_working(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    block_two_runs(settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("alter table audit.publication_log drop column failed_checks_json")
    # read-only, the scorecard cannot add the column: the runs' gate rows say what failed
    checks = _banner_checks(settings)
    assert set(checks) == {"mrr_movements_reconcile", "kpi_months_complete"}
    assert "observed 104" in checks["kpi_months_complete"]

    # the next recorded run adds the column; the old rows keep null there
    record_publication(
        settings, "run-next", "blocked", [RECONCILE], None, dt.date(2026, 11, 6), "blocked"
    )
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute(
            "select run_id, failed_checks, failed_checks_json is null from audit.publication_log "
            "where outcome = 'blocked' order by attempted_at"
        ).fetchall()
    assert rows[-1] == ("run-next", "marts/kpi_monthly:assert_mrr_movements_reconcile", False)
    assert all(old_is_null for _, _, old_is_null in rows[:-1])
    checks = _banner_checks(settings)
    assert set(checks) == {
        "mrr_movements_reconcile",
        "kpi_months_complete",
        "assert_mrr_movements_reconcile",
    }


def test_the_record_on_postgres(pg_database: str) -> None:
    import psycopg

    from orchestration.warehouse import pg_dsn

    settings = Settings.from_env()
    with psycopg.connect(pg_dsn(), autocommit=True) as con:  # the log as older versions made it
        con.execute("create schema audit")
        con.execute(
            "create table audit.publication_log (run_id varchar, attempted_at timestamp, "
            "outcome varchar, failed_checks varchar, kpi_rows bigint, as_of_date date, "
            "message varchar)"
        )
        con.execute(
            "insert into audit.publication_log values ('run-old', '2026-11-01 06:00', "
            "'blocked', 'marts/kpi_monthly:kpi_months_complete', null, '2026-11-01', "
            "'marts/kpi_monthly:kpi_months_complete — kpi_months_complete: FAILED observed 104')"
        )
    assert [c.name for c in load(settings).status.failed_checks] == [
        "marts/kpi_monthly:kpi_months_complete"
    ]

    record_publication(
        settings, "run-new", "blocked", [RECONCILE, MOVEMENT], None, dt.date(2026, 11, 2), "x"
    )
    failed = load(settings).status.failed_checks
    assert [(c.name, c.message) for c in failed] == [
        ("marts/kpi_monthly:kpi_months_complete", "kpi_months_complete: FAILED observed 104"),
        (RECONCILE.check, RECONCILE.summary),
    ]
    with psycopg.connect(pg_dsn()) as con:
        [(stored,)] = con.execute(
            "select failed_checks_json from audit.publication_log where run_id = 'run-new'"
        ).fetchall()
    assert from_json(stored) == [RECONCILE, MOVEMENT]
