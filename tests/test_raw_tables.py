"""What ingestion writes for the warehouse (sources.RAW_TABLES) is what dbt declares as its raw
sources: the DuckDB views are made from dbt's list, the PostgreSQL load from the registry."""

import json

from orchestration.dbt_manifest import ensure_manifest
from sources import RAW_TABLES


def _raw_sources() -> dict[str, str]:
    """Each raw table dbt declares, with the glob its view reads (macros/create_raw_views.sql)."""
    manifest = json.loads(ensure_manifest().read_text())
    return {
        source["identifier"]: source["meta"].get("raw_files", f"{source['identifier']}/*.parquet")
        for source in manifest["sources"].values()
        if source["schema"] == "raw"
    }


def test_registry_and_dbt_sources_declare_the_same_raw_tables() -> None:
    assert _raw_sources() == {table.name: table.files for table in RAW_TABLES}


def test_registry_lists_the_tables_the_warehouse_reads() -> None:
    names = [table.name for table in RAW_TABLES]
    assert len(names) == len(set(names))
    assert "billing_invoice_lines" in names  # a child table, written with its invoices
    assert "billing_prices" not in names  # read only at ingestion, to complete invoices
