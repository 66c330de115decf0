"""The raw tables the warehouse reads, and the Parquet files ingestion writes for each: the one
list of them, made from the entities.

dbt declares the same tables as sources (`dbt_project/models/staging/*/_*__sources.yml`, with
their columns), and a test holds the two equal. On DuckDB each is a view over its files
(`macros/create_raw_views.sql`), on PostgreSQL a table loaded from them
(`orchestration/raw_postgres.py`), on Spark an external table over them (`orchestration/spark.py`),
declared with the columns ingestion writes: Spark cannot infer them from a folder that holds no
records yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from sources.contract import Entity
from sources.raw_schemas import MANIFEST_SCHEMA, REJECTS_SCHEMA, child_schema, table_schema

# Ingestion's own records, beside the entities' tables under the raw directory.
REJECTS_FOLDER = "_rejects"  # <folder>/<table>/<file key>.parquet
MANIFEST_FOLDER = "_files"  # <folder>/<table>.parquet


@dataclass(frozen=True)
class RawTable:
    name: str  # queryable as `raw.<name>`
    files: str  # glob of its Parquet files, relative to the raw directory
    schema: pa.Schema  # the columns ingestion writes into those files


def warehouse_tables(entities: Iterable[Entity]) -> tuple[RawTable, ...]:
    """Every entity's tables the warehouse reads, then the rejects and the ingested-file manifest."""
    tables = []
    for entity in entities:
        if not entity.in_warehouse:
            continue
        tables.append(RawTable(entity.table, f"{entity.table}/*.parquet", table_schema(entity)))
        if entity.child:
            child = entity.child
            tables.append(RawTable(child.table, f"{child.table}/*.parquet", child_schema(child)))
    return (
        *tables,
        RawTable("rejects", f"{REJECTS_FOLDER}/*/*.parquet", REJECTS_SCHEMA),
        RawTable("ingested_files", f"{MANIFEST_FOLDER}/*.parquet", MANIFEST_SCHEMA),
    )
