"""The BI serving copy: a read-only DuckDB file with the `published`, `marts` and `reference` tables.

DuckDB allows one writer per file, and while the pipeline writes the warehouse no other process
can open it at all, not even read-only. A BI tool pointed at the warehouse would therefore break
every run (and could block a run by holding the file). Instead, after each successful
publication, `refresh_serving_copy` copies the tables BI users query into a file of their own:

    <warehouse dir>/serving/c360_serving.duckdb

It is built as a temporary file beside the target, then swapped in with `os.replace` (an atomic
rename). A BI session that already has the old file open keeps reading it (on Linux the old
inode lives on until its last reader closes it); new connections see the new copy. The main
warehouse is only ATTACHed READ_ONLY for the copy: no write lock is ever taken on it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import duckdb

from orchestration.settings import Settings, duckdb_config
from sources.atomic import file_mode

# reference holds the KPI catalogue, which BI joins to the published KPIs
SERVED_SCHEMAS = ("published", "marts", "reference")
SERVING_NAME = "c360_serving.duckdb"


def serving_path(settings: Settings) -> Path:
    return Path(settings.warehouse).parent / "serving" / SERVING_NAME


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _attach_read_only(con: duckdb.DuckDBPyConnection, warehouse: Path, attempts: int = 20) -> None:
    """ATTACH the warehouse READ_ONLY, waiting politely while a writer holds its lock."""
    path = str(warehouse).replace("'", "''")
    for attempt in range(attempts):
        try:
            con.execute(f"attach '{path}' as src (read_only)")
            return
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(min(0.25 * 2**attempt, 5))


def _copy(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[str]:
    """Copy every table and view of the served schemas as a plain table; returns their names."""
    _attach_read_only(con, warehouse)
    try:
        listed = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'src' "
            "and schema_name in (select unnest(?)) "
            "union all "
            "select schema_name, view_name from duckdb_views() where database_name = 'src' "
            "and schema_name in (select unnest(?)) and not internal "
            "order by 1, 2",
            [list(SERVED_SCHEMAS), list(SERVED_SCHEMAS)],
        ).fetchall()
        # one transaction: the copy appears whole or not at all (and while src is attached no
        # writer can open the warehouse, so every table comes from the same state)
        con.execute("begin transaction")
        for schema in SERVED_SCHEMAS:
            con.execute(f"create schema if not exists {_quote(schema)}")
        copied = []
        for schema, table in listed:
            target = f"{_quote(schema)}.{_quote(table)}"
            con.execute(f"create table {target} as select * from src.{target}")
            copied.append(f"{schema}.{table}")
        published = (
            con.execute(
                "select max(published_at), arg_max(run_id, published_at) from published.cco_kpi_monthly"
            ).fetchone()
            if "published.cco_kpi_monthly" in copied
            else (None, None)
        )
        con.execute(
            """create table main.serving_refresh as select
            ?::timestamp as refreshed_at, ?::varchar as source_warehouse,
            ?::timestamp as published_at, ?::varchar as published_run_id,
            ?::varchar[] as tables_copied""",
            [
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                str(warehouse),
                published[0],
                published[1],
                copied,
            ],
        )
        con.execute("commit")
    finally:
        con.execute("detach src")
    return copied


def refresh_serving_copy(settings: Settings) -> Path:
    """Rebuild the serving copy from the warehouse and swap it in atomically; returns its path."""
    if settings.target != "duckdb":
        raise ValueError(
            f"the serving copy is built from the DuckDB warehouse; with target "
            f"{settings.target!r}, BI tools read the published schema directly"
        )
    warehouse = Path(settings.warehouse)
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run the pipeline first")
    target = serving_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.duckdb")
    try:
        con = duckdb.connect(str(tmp), config=duckdb_config())
        try:
            _copy(con, warehouse)
            con.execute("checkpoint")
        finally:
            con.close()
        for leftover in (tmp.with_name(tmp.name + ".wal"),):
            leftover.unlink(missing_ok=True)
        os.chmod(tmp, file_mode(0o444))  # never written in place; readable as the umask allows
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    return target
