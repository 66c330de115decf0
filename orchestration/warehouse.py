"""Short-lived connections to the warehouse (DuckDB file, or PostgreSQL when C360_TARGET=postgres),
and on Spark (C360_TARGET=spark) this process's Spark session (orchestration/spark.py).

Never hold one across a dbt call: DuckDB allows one writer per file, and a read-only open fails
while a writer holds it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pandas as pd

from orchestration.settings import Settings, duckdb_config


@contextmanager
def duckdb_connection(
    settings: Settings, read_only: bool = False, attempts: int = 20
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the DuckDB file, waiting politely while another process holds its lock."""
    for attempt in range(attempts):
        try:
            con = duckdb.connect(
                str(settings.warehouse), read_only=read_only, config=duckdb_config()
            )
            break
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(min(0.25 * 2**attempt, 5))
    try:
        con.execute("set TimeZone = 'UTC'")
        # raw.<table> views name their files relative to the raw layer of these settings
        con.execute("set file_search_path = ?", [str(settings.raw_dir)])
        yield con
    finally:
        con.close()


def pg_dsn() -> str:
    return os.environ.get("C360_PG_DSN") or (
        f"host={os.environ.get('PGHOST', '127.0.0.1')} port={os.environ.get('PGPORT', '5432')} "
        f"user={os.environ.get('PGUSER', 'postgres')} dbname={os.environ.get('PGDATABASE', 'postgres')}"
    )


def query_frame(settings: Settings, sql: str) -> pd.DataFrame:
    if settings.target == "spark":
        from orchestration import spark

        return spark.query_frame(settings, sql)
    if settings.target == "postgres":
        import psycopg

        with psycopg.connect(pg_dsn()) as con, con.cursor() as cur:
            cur.execute(sql)
            columns = [d.name for d in cur.description or []]
            return pd.DataFrame(cur.fetchall(), columns=columns)
    with duckdb_connection(settings, read_only=True) as con:
        return con.sql(sql).df()


def execute(settings: Settings, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Run statements in one transaction (on Spark, which has none here: in order)."""
    if settings.target == "spark":
        from orchestration import spark

        return spark.execute(settings, statements)
    if settings.target == "postgres":
        import psycopg

        with psycopg.connect(pg_dsn()) as con, con.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql.replace("?", "%s"), params)
        return
    with duckdb_connection(settings) as con:
        con.execute("begin transaction")
        try:
            for sql, params in statements:
                con.execute(sql, list(params))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def warehouse_label(settings: Settings) -> str:
    """Where the warehouse is, for people: the DuckDB file, or the PostgreSQL database (never a
    DuckDB path that the run does not use, never a password)."""
    if settings.target == "postgres":
        import psycopg

        info = psycopg.conninfo.conninfo_to_dict(pg_dsn())
        where = f"{info.get('host', 'localhost')}:{info.get('port', 5432)}"
        return f"PostgreSQL database {info.get('dbname', '?')} on {where} (target postgres)"
    if settings.target == "spark":
        return f"{settings.spark_warehouse} (target spark)"
    return f"{settings.warehouse} (target {settings.target})"
