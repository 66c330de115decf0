"""The raw tables the warehouse reads, and the Parquet files ingestion writes for each: the one
list of them, made from the entities.

dbt declares the same tables as sources (`dbt_project/models/staging/*/_*__sources.yml`, with
their columns), and a test holds the two equal. On DuckDB each is a view over its files
(`macros/create_raw_views.sql`), on PostgreSQL a table loaded from them
(`orchestration/raw_postgres.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sources.contract import Entity

# Ingestion's own records, beside the entities' tables under the raw directory.
REJECTS_FOLDER = "_rejects"  # <folder>/<table>/<file key>.parquet
MANIFEST_FOLDER = "_files"  # <folder>/<table>.parquet


@dataclass(frozen=True)
class RawTable:
    name: str  # queryable as `raw.<name>`
    files: str  # glob of its Parquet files, relative to the raw directory


def warehouse_tables(entities: Iterable[Entity]) -> tuple[RawTable, ...]:
    """Every entity's tables the warehouse reads, then the rejects and the ingested-file manifest."""
    tables = [
        RawTable(table, f"{table}/*.parquet")
        for entity in entities
        if entity.in_warehouse
        for table in entity.raw_tables
    ]
    return (
        *tables,
        RawTable("rejects", f"{REJECTS_FOLDER}/*/*.parquet"),
        RawTable("ingested_files", f"{MANIFEST_FOLDER}/*.parquet"),
    )
