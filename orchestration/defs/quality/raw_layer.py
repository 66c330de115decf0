"""The gates on the raw layer read its Parquet files, not the warehouse.

A suite attached to a raw table (an ingestion asset) is a blocking check of that asset, so Dagster
runs it right after ingestion and before the warehouse build that reads the table. The warehouse's
`raw.<table>` relations do not exist yet then (dbt creates the DuckDB views when it starts, and
loads the PostgreSQL tables), so these suites read the same Parquet files through views of the
same names in an in-memory DuckDB, on either target.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.settings import Settings
from sources import ENTITIES
from sources.raw_store import INVOICE_LINES_TABLE

RAW_SCHEMA = '"raw"'

# the files behind each raw table, relative to the raw layer (as dbt's create_raw_views names them)
RAW_FILES = {
    **{
        table: f"{table}/*.parquet" for table in [e.table for e in ENTITIES] + [INVOICE_LINES_TABLE]
    },
    "rejects": "_rejects/*/*.parquet",
    "ingested_files": "_files/*.parquet",
}


def reads_raw_layer_only(sql_names: list[str]) -> bool:
    return bool(sql_names) and all(name.startswith(f"{RAW_SCHEMA}.") for name in sql_names)


def raw_layer_frame(settings: Settings, sql: str) -> pd.DataFrame:
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set file_search_path = ?", [str(settings.raw_dir)])
        con.execute("create schema raw")
        for table, files in RAW_FILES.items():
            con.execute(f"create view raw.{table} as select * from read_parquet('{files}')")
        return con.sql(sql).df()
