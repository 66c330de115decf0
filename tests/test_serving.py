"""The BI serving copy: tables (not views) of `published` and `marts`, swapped in atomically."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.serving import refresh_serving_copy, serving_path
from tests.conftest import settings_in

PUBLISHED_AT = dt.datetime(2026, 11, 3, 6, 11, 30)


def build_warehouse(path: Path) -> None:
    """A small warehouse: two published months of MRR, a customer mart, a view, an audit table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema published")
        con.execute("""create table published.cco_kpi_monthly as select * from (values
            (date '2026-09-01', 'mrr_usd', 120000.0::double, null::double, null::double, 'run-1',
             timestamp '2026-11-03 06:11:30'),
            (date '2026-10-01', 'mrr_usd', 127000.0, null, null, 'run-1',
             timestamp '2026-11-03 06:11:30'))
            t(month, kpi, value, numerator, denominator, run_id, published_at)""")
        con.execute("create schema marts")
        con.execute("""create table marts.customer_360 as select * from (values
            ('crm:001Acme', 'Acme Manufacturing', 2500.0::double, true),
            ('crm:001Ever', 'Evergreen Foods', 3000.0, false))
            t(customer_id, customer_name, current_mrr_usd, is_at_risk)""")
        con.execute(
            "create view marts.at_risk as select * from marts.customer_360 where is_at_risk"
        )
        con.execute("create schema audit")
        con.execute("create table audit.publication_log as select 'run-1' as run_id")
        con.execute("create schema raw")
        con.execute("create table raw.crm_accounts as select 1 as id")


def change_source(path: Path) -> None:
    """A later publication: October restated, November added, one more customer at risk."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update published.cco_kpi_monthly set value = 126500 where month = '2026-10-01'"
        )
        con.execute(
            "insert into published.cco_kpi_monthly values ('2026-11-01', 'mrr_usd', "
            "131000, null, null, 'run-2', timestamp '2026-12-02 06:00:00')"
        )
        con.execute(
            "update published.cco_kpi_monthly set run_id = 'run-2', "
            "published_at = timestamp '2026-12-02 06:00:00'"
        )
        con.execute("update marts.customer_360 set is_at_risk = true")


def mrr(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.sql(
        "select strftime(month, '%Y-%m'), value from published.cco_kpi_monthly order by month"
    ).fetchall()


def test_serving_copy_has_tables_of_published_and_marts_only(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    path = refresh_serving_copy(settings)
    assert path == serving_path(settings) == tmp_path / "wh" / "serving" / "c360_serving.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.sql(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        # the view became a table: nothing in the copy refers to the main file
        assert [t for (t,) in tables] == [
            "main.serving_refresh",
            "marts.at_risk",
            "marts.customer_360",
            "published.cco_kpi_monthly",
        ]
        assert con.sql("select count(*) from duckdb_views() where not internal").fetchone() == (0,)
        assert mrr(con) == [("2026-09", 120000.0), ("2026-10", 127000.0)]
        assert con.sql("select customer_id from marts.at_risk").fetchall() == [("crm:001Acme",)]
        refreshed = con.sql(
            "select published_at, published_run_id, tables_copied from serving_refresh"
        ).fetchone()
        assert refreshed[0] == PUBLISHED_AT and refreshed[1] == "run-1"
        assert "published.cco_kpi_monthly" in refreshed[2]
    # the copy stands on its own, and is read-only on disk
    settings.warehouse.rename(tmp_path / "elsewhere.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        assert mrr(con)[-1] == ("2026-10", 127000.0)
    assert path.stat().st_mode & 0o222 == 0
    assert sorted(p.name for p in path.parent.iterdir()) == ["c360_serving.duckdb"]


def test_refresh_swaps_atomically_under_an_open_bi_connection(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    path = refresh_serving_copy(settings)

    # a BI user opens the serving copy read-only and keeps the connection open
    held = duckdb.connect(str(path), read_only=True)
    try:
        assert mrr(held) == [("2026-09", 120000.0), ("2026-10", 127000.0)]
        old_inode = path.stat().st_ino

        change_source(settings.warehouse)
        # another reader holds the main warehouse read-only meanwhile: the refresh needs no
        # write lock on it, so it is not disturbed and does not wait
        reader = subprocess.Popen(
            [
                sys.executable,
                "-c",
                (
                    "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
                    "c.sql('select count(*) from published.cco_kpi_monthly').fetchall(); "
                    "print('ready', flush=True); sys.stdin.read()"
                ),
                str(settings.warehouse),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert reader.stdout.readline().strip() == "ready"
            assert refresh_serving_copy(settings) == path
        finally:
            reader.communicate("", timeout=30)
        assert path.stat().st_ino != old_inode  # a new file was swapped in

        # the held connection still reads its (old) copy, whole and consistent
        assert mrr(held) == [("2026-09", 120000.0), ("2026-10", 127000.0)]
        assert held.sql("select count(*) from marts.at_risk").fetchone() == (1,)
        assert held.sql("select published_run_id from serving_refresh").fetchone() == ("run-1",)

        # a new connection (another process, as a BI tool is: within one process DuckDB hands
        # out the database instance it already has open for a path) sees the new publication
        fresh = subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); print(c.sql("
                    '"select list(value order by month), (select count(*) from marts.at_risk), '
                    "(select published_run_id from serving_refresh) "
                    'from published.cco_kpi_monthly").fetchone())'
                ),
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert fresh.returncode == 0, fresh.stderr
        assert fresh.stdout.strip() == "([120000.0, 126500.0, 131000.0], 2, 'run-2')"
    finally:
        held.close()
    # once this process's last connection to the old copy is closed, it opens the new one too
    with duckdb.connect(str(path), read_only=True) as con:
        assert mrr(con)[-1] == ("2026-11", 131000.0)
    assert sorted(p.name for p in path.parent.iterdir()) == ["c360_serving.duckdb"]


def test_a_failed_refresh_leaves_the_served_copy_in_place(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    path = refresh_serving_copy(settings)
    # a mart view that fails when read makes the next copy fail half-way
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create table marts.scratch as select 1 as x")
        con.execute("create view marts.zz_broken as select x from marts.scratch")
        con.execute("drop table marts.scratch")
        con.execute("update published.cco_kpi_monthly set value = 0")
    with pytest.raises(duckdb.Error):
        refresh_serving_copy(settings)
    with duckdb.connect(str(path), read_only=True) as con:  # the last good copy, untouched
        assert mrr(con)[-1] == ("2026-10", 127000.0)
    assert sorted(p.name for p in path.parent.iterdir()) == ["c360_serving.duckdb"]

    settings.warehouse.unlink()
    with pytest.raises(FileNotFoundError):
        refresh_serving_copy(settings)
    assert path.exists()
