"""A landing file's records in the raw layer's shapes: typed columns in schema order with lineage
columns, and reject rows."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from sources.landing import LandingFile
from sources.raw_schemas import LINEAGE, REJECTS_SCHEMA


def lineage_columns(table: pa.Table, f: LandingFile, now: dt.datetime) -> dict[str, pa.Array]:
    """The lineage columns of a landing file's rows, by name."""
    return dict(zip([x.name for x in LINEAGE], _lineage(table, f, now), strict=True))


def _lineage(
    table: pa.Table, f: LandingFile, now: dt.datetime, line_col: str = "line_no"
) -> list[pa.Array]:
    n = table.num_rows
    return [
        pa.array([f.relpath] * n, pa.string()) if n else pa.array([], pa.string()),
        table[line_col].cast(pa.int64()),
        pa.array([f.delivery_date] * n, pa.date32()),
        pa.array([now] * n, pa.timestamp("us")),
    ]


def shape(table: pa.Table, schema: pa.Schema, extra: dict[str, pa.Array]) -> pa.Table:
    columns = []
    for fld in schema:
        columns.append(extra[fld.name] if fld.name in extra else table[fld.name].cast(fld.type))
    return pa.Table.from_arrays(columns, schema=schema)


def reject_rows(
    entity: str,
    f: LandingFile,
    now: dt.datetime,
    rows: list[tuple[int | None, str, str | None, int]],
) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "entity": entity,
                "source_file": f.relpath,
                "source_line": line,
                "delivery_date": f.delivery_date,
                "reason": reason,
                "raw_record": raw,
                "records": count,
                "ingested_at": now,
            }
            for line, reason, raw, count in rows
        ],
        schema=REJECTS_SCHEMA,
    )
