"""The Arrow schemas of the raw layer's Parquet files: entity tables, child tables, rejects and
the manifest of ingested files. A schema change makes ingestion read every landing file again
(RawStore.ensure_layout)."""

from __future__ import annotations

import pyarrow as pa

from sources.contract import ChildTable, Entity, Field

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
    "number": pa.float64(),
    "object": pa.string(),
    "sf_datetime": pa.timestamp("us"),
    "iso_datetime": pa.timestamp("us"),
    "year_month": pa.date32(),
}

LINEAGE = [
    pa.field("_source_file", pa.string()),
    pa.field("_source_line", pa.int64()),
    pa.field("_delivery_date", pa.date32()),
    pa.field("_ingested_at", pa.timestamp("us")),
]

REJECTS_SCHEMA = pa.schema(
    [
        pa.field("entity", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),  # null when the whole file was rejected
        pa.field("delivery_date", pa.date32()),
        pa.field("reason", pa.string()),
        pa.field("raw_record", pa.string()),
        pa.field("records", pa.int64()),  # how many records this reject stands for
        pa.field("ingested_at", pa.timestamp("us")),
    ]
)

MANIFEST_SCHEMA = pa.schema(
    [
        pa.field("entity", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("delivery_date", pa.date32()),
        pa.field("size_bytes", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
        pa.field("sha256", pa.string()),
        pa.field("records_read", pa.int64()),
        pa.field("records_loaded", pa.int64()),
        pa.field("records_rejected", pa.int64()),
        pa.field("file_rejected_reason", pa.string()),
        pa.field("unknown_fields", pa.string()),
        pa.field("ingested_at", pa.timestamp("us")),
        pa.field("run_id", pa.string()),
    ]
)


def _schema(
    fields: tuple[Field, ...],
    phone_columns: tuple[str, ...] = (),
    leading: list[pa.Field] | None = None,
) -> pa.Schema:
    cols = list(leading or [])
    cols += [pa.field(f.raw_column, _ARROW_TYPES[f.type]) for f in fields]
    cols += [pa.field(f"{c}_e164", pa.string()) for c in phone_columns]
    return pa.schema(cols + LINEAGE)


def table_schema(entity: Entity) -> pa.Schema:
    return _schema(entity.fields, entity.phone_columns)


def child_schema(child: ChildTable) -> pa.Schema:
    return _schema(
        child.fields,
        leading=[
            pa.field(child.parent_column, pa.string()),
            pa.field(child.index_column, pa.int64()),
        ],
    )
