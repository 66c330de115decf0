"""On the PostgreSQL target, the raw layer is loaded into `raw.<table>` tables before dbt runs.

On DuckDB, dbt reads the Parquet raw layer through views (see macros/create_raw_views.sql);
PostgreSQL cannot read Parquet, so each raw table of `sources.RAW_TABLES` is replaced from its
Parquet files in one transaction: DuckDB writes them as CSV and PostgreSQL's COPY reads that.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import psycopg

from orchestration.settings import Settings
from orchestration.warehouse import pg_dsn
from sources import RAW_TABLES

_PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "BOOLEAN": "boolean",
    "DOUBLE": "double precision",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_raw_into_postgres(settings: Settings) -> dict[str, int]:
    """Replace every `raw.<table>` in PostgreSQL from the Parquet raw layer; returns row counts."""
    counts: dict[str, int] = {}
    local = duckdb.connect(":memory:")
    with (
        psycopg.connect(pg_dsn()) as pg,
        pg.cursor() as cur,
        tempfile.TemporaryDirectory() as tmp,
    ):
        cur.execute("create schema if not exists raw")
        for raw_table in RAW_TABLES:
            table = raw_table.name
            files = f"{settings.raw_dir}/{raw_table.files}"
            relation = local.sql("select * from read_parquet(?)", params=[files])
            columns = ", ".join(
                f"{_ident(name)} {_PG_TYPES[str(kind)]}"
                for name, kind in zip(relation.columns, relation.types, strict=True)
            )
            csv = Path(tmp) / f"{table}.csv"
            relation.write_csv(str(csv), header=False)
            cur.execute(f"drop table if exists raw.{table}")
            cur.execute(f"create table raw.{table} ({columns})")
            with (
                cur.copy(f"copy raw.{table} from stdin with (format csv)") as copy,
                open(csv, "rb") as fh,
            ):
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            counts[table] = relation.count("*").fetchone()[0]
    local.close()
    return counts
