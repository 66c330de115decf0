"""Ingesting one landing file: read it in batches, validate and complete each, and write its
typed records, child rows and rejects (FileWriter commits them together at the end)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sources.contract import Entity
from sources.file_writer import FileWriter
from sources.landing import LandingFile
from sources.phones import e164_column
from sources.raw_rows import lineage_columns, reject_rows, shape
from sources.raw_schemas import child_schema, table_schema
from sources.raw_store import RawStore
from sources.readers import Batch, UnreadableFile, read_csv, read_jsonl
from sources.unknown_fields import count_unknown
from sources.validate import child_rows, validate_csv, validate_jsonl


@dataclass
class FileResult:
    relpath: str
    status: str  # ingested | skipped | rejected
    records_read: int = 0
    records_loaded: int = 0
    records_rejected: int = 0
    reason: str | None = None  # why the whole file was rejected
    used_context: bool = False  # records completed from other deliveries (Entity.completion)


def _batches(entity: Entity, path: Path) -> Iterator[Batch]:
    if entity.format_of(path.name) == "jsonl":
        return read_jsonl(path)
    names = tuple(f.name for f in entity.fields)
    required = tuple(f.name for f in entity.fields if f.required)
    return read_csv(path, names, required)


def _typed(
    con: duckdb.DuckDBPyConnection, entity: Entity, f: LandingFile, batch: Batch, unknown: Counter
) -> pa.Table:
    """The batch's records typed, with a `_reason` on each that breaks the contract."""
    if entity.format_of(f.path.name) == "jsonl":
        unknown.update(count_unknown(con, entity, batch.records))
        return validate_jsonl(con, entity, batch.records)
    return validate_csv(con, entity, batch.records)


def _completed(
    con: duckdb.DuckDBPyConnection, entity: Entity, typed: pa.Table
) -> tuple[pa.Table, pa.Table | None, bool]:
    """(records, child rows of the valid ones, whether the completion's context was used)."""
    if entity.completion:
        return entity.completion.complete(con, typed)
    if entity.child:
        return (
            typed,
            child_rows(con, entity.child, typed.filter(pc.is_null(typed["_reason"]))),
            False,
        )
    return typed, None, False


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    store: RawStore,
    entity: Entity,
    f: LandingFile,
    now: dt.datetime,
    unknown: Counter,
) -> FileResult:
    """Ingest one landing file; a file that cannot be read at all is rejected whole."""
    writer = FileWriter(store, entity, f)
    result = FileResult(f.relpath, "ingested")
    schema = table_schema(entity)
    try:
        for batch in _batches(entity, f.path):
            unknown.update({name: batch.records.num_rows for name in batch.unknown_fields})
            structural = [(ln, r, raw, 1) for ln, r, raw in batch.structural_rejects]
            if structural:
                writer.write("rejects", reject_rows(entity.table, f, now, structural))
            typed, children, used = _completed(con, entity, _typed(con, entity, f, batch, unknown))
            result.used_context |= used
            bad_mask = pc.is_valid(typed["_reason"])
            bad = typed.filter(bad_mask)
            good = typed.filter(pc.invert(bad_mask))
            if bad.num_rows:
                rows = zip(
                    bad["line_no"].to_pylist(),
                    bad["_reason"].to_pylist(),
                    bad["raw"].to_pylist(),
                    [1] * bad.num_rows,
                    strict=True,
                )
                writer.write("rejects", reject_rows(entity.table, f, now, list(rows)))
            extra = lineage_columns(good, f, now)
            for col in entity.phone_columns:
                extra[f"{col}_e164"] = e164_column(good[col])
            writer.write("data", shape(good, schema, extra))
            if entity.child and good.num_rows:
                lineage = lineage_columns(children, f, now)
                writer.write("children", shape(children, child_schema(entity.child), lineage))
            result.records_read += batch.records.num_rows + len(structural)
            result.records_loaded += good.num_rows
            result.records_rejected += bad.num_rows + len(structural)
    except UnreadableFile as exc:
        writer.abort()
        writer = FileWriter(store, entity, f)
        whole = [(None, exc.reason, None, exc.records)]
        writer.write("rejects", reject_rows(entity.table, f, now, whole))
        used = result.used_context
        result = FileResult(f.relpath, "rejected", exc.records, 0, exc.records, exc.reason, used)
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    return result
