"""The gates on the raw layer read its Parquet files, not the warehouse.

A suite attached to a raw table (an ingestion asset) is a blocking check of that asset, so Dagster
runs it right after ingestion and before the warehouse build that reads the table. The warehouse's
`raw.<table>` relations do not exist yet then (dbt creates the DuckDB views when it starts, and
loads the PostgreSQL tables), so these suites read the same Parquet files through views of the
same names in an in-memory DuckDB on DuckDB and PostgreSQL; on Spark, in Spark's own session,
whose raw tables are external tables over those files.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.settings import Settings
from sources import RAW_TABLES

RAW_SCHEMA = '"raw"'


def reads_raw_layer_only(sql_names: list[str]) -> bool:
    return bool(sql_names) and all(name.startswith(f"{RAW_SCHEMA}.") for name in sql_names)


def raw_layer_frame(settings: Settings, sql: str) -> pd.DataFrame:
    if settings.target == "spark":
        # Spark's own session declares the raw tables over the same files (orchestration/spark.py)
        from orchestration import spark

        return spark.query_frame(settings, sql)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set file_search_path = ?", [str(settings.raw_dir)])
        con.execute("create schema raw")
        for table in RAW_TABLES:
            con.execute(
                f"create view raw.{table.name} as select * from read_parquet('{table.files}')"
            )
        return con.sql(sql).df()
