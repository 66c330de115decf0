"""Publication as one unit: what a run that died after the table swap left undone is redone;
files for people's eyes follow the umask; the summary names the warehouse actually used."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb

from orchestration.publication import complete_interrupted_publication
from orchestration.serving import refresh_serving_copy, serving_path
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_label
from tests import test_postgres
from tests.conftest import query, settings_in
from tests.test_serving import build_warehouse

pg_database = test_postgres.pg_database  # a fresh PostgreSQL database per test


def test_a_publication_without_audit_row_or_serving_copy_is_completed(tmp_path: Path) -> None:
    # The state a run leaves when it dies right after replacing published.cco_kpi_monthly
    # (run-1, 2 rows): no audit row, no serving copy.
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("drop table audit.publication_log")
    assert complete_interrupted_publication(settings) == [
        "recovered: logged the publication of run run-1 in audit.publication_log",
        "recovered: refreshed the BI serving copy with the KPIs of run run-1",
    ]
    [(outcome, rows)] = query(settings, "select outcome, kpi_rows from audit.publication_log")
    assert (outcome, rows) == ("published", 2)
    with duckdb.connect(str(serving_path(settings)), read_only=True) as con:
        assert con.sql("select published_run_id from serving_refresh").fetchall() == [("run-1",)]
    assert complete_interrupted_publication(settings) == []  # nothing left to redo


def test_serving_copy_follows_the_umask(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    previous = os.umask(0o077)  # a user who keeps their files to themselves
    try:
        path = refresh_serving_copy(settings)
    finally:
        os.umask(previous)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)  # nobody else may read it
    assert mode & 0o222 == 0, oct(mode)  # and it is never written in place


def test_postgres_summary_names_the_database_not_a_duckdb_path(tmp_path: Path) -> None:
    settings = Settings(tmp_path, tmp_path / "c360.duckdb", tmp_path / "raw", "postgres", tmp_path)
    label = warehouse_label(settings)
    assert "duckdb" not in label.lower().replace("target postgres", "")
    assert label.startswith("PostgreSQL database ")


def test_a_copied_warehouse_reads_its_own_raw_layer(tmp_path: Path) -> None:
    # Raw views name files relative to the raw layer (dbt_project/macros/create_raw_views.sql);
    # each connection resolves them in the raw directory of its own settings. A quote in the
    # path is only ever a parameter.
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    from orchestration.warehouse import query_frame

    def warehouse_with_raw(folder: Path, accounts: int) -> Settings:
        settings = Settings(folder, folder / "c360.duckdb", folder / "it's raw", "duckdb", folder)
        (settings.raw_dir / "crm_accounts").mkdir(parents=True)
        table = pa.table({"id": list(range(accounts))})
        pq.write_table(table, settings.raw_dir / "crm_accounts" / "a.parquet")
        return settings

    original = warehouse_with_raw(tmp_path / "original", 3)
    with duckdb.connect(str(original.warehouse)) as con:
        con.execute("set file_search_path = ?", [str(original.raw_dir)])
        con.execute("create schema raw")
        con.execute(
            "create view raw.crm_accounts as select * from read_parquet('crm_accounts/*.parquet')"
        )
    copy = warehouse_with_raw(tmp_path / "copy", 5)
    shutil.copy(original.warehouse, copy.warehouse)
    count = "select count(*) as n from raw.crm_accounts"
    assert query_frame(original, count)["n"][0] == 3
    assert query_frame(copy, count)["n"][0] == 5


def test_interrupted_publication_is_completed_on_postgres(pg_database: str) -> None:
    import psycopg

    from orchestration.warehouse import pg_dsn

    with psycopg.connect(pg_dsn(), autocommit=True) as con:
        con.execute("create schema published")
        con.execute(
            "create table published.cco_kpi_monthly as select * from (values "
            "(date '2026-10-01', 'mrr_usd', 1.0::float8, null::float8, null::float8, 'run-9', "
            "timestamp '2026-11-03 06:00')) t(month, kpi, value, numerator, denominator, run_id, "
            "published_at)"
        )
    settings = Settings.from_env()
    assert complete_interrupted_publication(settings) == [
        "recovered: logged the publication of run run-9 in audit.publication_log"
    ]
    assert complete_interrupted_publication(settings) == []
    label = warehouse_label(settings)
    assert label.startswith(f"PostgreSQL database {pg_database} on 127.0.0.1:5432")
