"""The raw layer: one Parquet file per landing file, plus rejects and a manifest of what was read.

Layout under the raw directory (beside the warehouse file):
    <table>/<key>.parquet              typed records of one landing file, with lineage columns
    _rejects/<table>/<key>.parquet     records (or whole files) that broke the contract, with reason
    _files/<table>.parquet             manifest: every landing file read, its hash and counts

Parquet (not warehouse tables) so that ingestion never waits on the DuckDB write lock, ingestion
assets run in parallel, and dbt reads the files through `raw.<table>` views. A landing file already
ingested with the same content hash is skipped; a changed file replaces its Parquet; a file gone
from the landing directory is dropped from the raw layer, so raw always mirrors landing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sources import stripe_lines
from sources.atomic import temp_name
from sources.contract import ChildTable, Entity, Field
from sources.landing import LandingFile, discover
from sources.phones import e164_column
from sources.raw_tables import MANIFEST_FOLDER, REJECTS_FOLDER
from sources.readers import Batch, UnreadableFile, read_csv, read_jsonl
from sources.unknown_fields import count_unknown
from sources.validate import child_rows, connect, validate_csv, validate_jsonl

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


@dataclass
class FileResult:
    relpath: str
    status: str  # ingested | skipped | rejected
    records_read: int = 0
    records_loaded: int = 0
    records_rejected: int = 0
    reason: str | None = None  # why the whole file was rejected
    used_context: bool = False  # records completed from other deliveries (Entity.completion)


@dataclass
class IngestSummary:
    entity: str
    files_seen: int = 0
    files_ingested: int = 0
    files_skipped: int = 0
    files_removed: int = 0
    files_rejected: int = 0
    records_read: int = 0
    records_loaded: int = 0
    records_rejected: int = 0
    ignored: list[str] = field(default_factory=list)
    ignored_reasons: dict[str, str] = field(default_factory=dict)  # ignored file -> why
    unknown_fields: set[str] = field(default_factory=set)
    unknown_counts: Counter = field(default_factory=Counter)  # unknown field -> occurrences
    refused: list[str] = field(default_factory=list)  # links leading out of landing
    deferred: list[str] = field(default_factory=list)  # delivery folders dated after today


def _file_key(f: LandingFile) -> str:
    digest = hashlib.sha1(f.relpath.encode()).hexdigest()[:16]
    return f"{f.delivery_date.isoformat()}_{digest}"


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class RawStore:
    def __init__(self, raw_dir: Path) -> None:
        self.raw_dir = raw_dir

    def table_dir(self, table: str) -> Path:
        return self.raw_dir / table

    def rejects_dir(self, table: str) -> Path:
        return self.raw_dir / REJECTS_FOLDER / table

    def manifest_path(self, table: str) -> Path:
        return self.raw_dir / MANIFEST_FOLDER / f"{table}.parquet"

    def read_manifest(self, table: str) -> dict[str, dict]:
        path = self.manifest_path(table)
        if not path.exists():
            return {}
        return {row["source_file"]: row for row in pq.read_table(path).to_pylist()}

    def ensure_layout(self, entity: Entity) -> None:
        """Empty `_schema.parquet` files keep every glob readable before any data arrives."""
        targets = [
            (self.table_dir(entity.table), table_schema(entity)),
            (self.rejects_dir(entity.table), REJECTS_SCHEMA),
        ]
        if entity.child:
            targets.append((self.table_dir(entity.child.table), child_schema(entity.child)))
        for folder, schema in targets:
            folder.mkdir(parents=True, exist_ok=True)
            marker = folder / "_schema.parquet"
            if not marker.exists() or pq.read_schema(marker) != schema:
                if marker.exists():  # the contract changed: read every landing file again
                    self.manifest_path(entity.table).unlink(missing_ok=True)
                tmp = temp_name(marker)
                pq.write_table(schema.empty_table(), tmp)
                os.replace(tmp, marker)
        self.manifest_path(entity.table).parent.mkdir(parents=True, exist_ok=True)


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


def _shape(table: pa.Table, schema: pa.Schema, extra: dict[str, pa.Array]) -> pa.Table:
    columns = []
    for fld in schema:
        columns.append(extra[fld.name] if fld.name in extra else table[fld.name].cast(fld.type))
    return pa.Table.from_arrays(columns, schema=schema)


class _FileWriter:
    """Writes one landing file's outputs to temporary Parquet files, committed only at the end."""

    def __init__(self, store: RawStore, entity: Entity, f: LandingFile) -> None:
        key = _file_key(f)
        self.targets = {
            "data": (store.table_dir(entity.table) / f"{key}.parquet", table_schema(entity)),
            "rejects": (store.rejects_dir(entity.table) / f"{key}.parquet", REJECTS_SCHEMA),
        }
        if entity.child:
            self.targets["children"] = (
                store.table_dir(entity.child.table) / f"{key}.parquet",
                child_schema(entity.child),
            )
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.temps = {kind: temp_name(path) for kind, (path, _) in self.targets.items()}

    def write(self, kind: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        schema = self.targets[kind][1]
        if kind not in self.writers:
            self.writers[kind] = pq.ParquetWriter(self.temps[kind], schema, compression="zstd")
        self.writers[kind].write_table(table)

    def commit(self) -> None:
        for writer in self.writers.values():
            writer.close()
        for kind, (path, _) in self.targets.items():
            if kind in self.writers:
                os.replace(self.temps[kind], path)
            else:
                path.unlink(missing_ok=True)

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.close()
        for tmp in self.temps.values():
            tmp.unlink(missing_ok=True)


def _reject_rows(
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


def _batches(entity: Entity, path: Path):
    if entity.format_of(path.name) == "jsonl":
        return read_jsonl(path)
    names = tuple(f.name for f in entity.fields)
    required = tuple(f.name for f in entity.fields if f.required)
    return read_csv(path, names, required)


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    store: RawStore,
    entity: Entity,
    f: LandingFile,
    now: dt.datetime,
    unknown: Counter,
) -> FileResult:
    writer = _FileWriter(store, entity, f)
    result = FileResult(f.relpath, "ingested")
    schema = table_schema(entity)
    try:
        batch: Batch
        for batch in _batches(entity, f.path):
            unknown.update({name: batch.records.num_rows for name in batch.unknown_fields})
            if batch.structural_rejects:
                writer.write(
                    "rejects",
                    _reject_rows(
                        entity.table,
                        f,
                        now,
                        [(ln, r, raw, 1) for ln, r, raw in batch.structural_rejects],
                    ),
                )
            if entity.format_of(f.path.name) == "jsonl":
                typed = validate_jsonl(con, entity, batch.records)
                unknown.update(count_unknown(con, entity, batch.records))
            else:
                typed = validate_csv(con, entity, batch.records)
            if entity.completion:
                typed, children, used = entity.completion.complete(con, typed)
                result.used_context |= used
            elif entity.child:
                children = child_rows(con, entity.child, typed.filter(pc.is_null(typed["_reason"])))
            bad_mask = pc.is_valid(typed["_reason"])
            bad = typed.filter(bad_mask)
            good = typed.filter(pc.invert(bad_mask))
            if bad.num_rows:
                writer.write(
                    "rejects",
                    _reject_rows(
                        entity.table,
                        f,
                        now,
                        list(
                            zip(
                                bad["line_no"].to_pylist(),
                                bad["_reason"].to_pylist(),
                                bad["raw"].to_pylist(),
                                [1] * bad.num_rows,
                                strict=True,
                            )
                        ),
                    ),
                )
            extra = dict(zip([x.name for x in LINEAGE], _lineage(good, f, now), strict=True))
            for col in entity.phone_columns:
                extra[f"{col}_e164"] = e164_column(good[col])
            writer.write("data", _shape(good, schema, extra))
            if entity.child and good.num_rows:
                cx = dict(zip([x.name for x in LINEAGE], _lineage(children, f, now), strict=True))
                writer.write("children", _shape(children, child_schema(entity.child), cx))
            result.records_read += batch.records.num_rows + len(batch.structural_rejects)
            result.records_loaded += good.num_rows
            result.records_rejected += bad.num_rows + len(batch.structural_rejects)
    except UnreadableFile as exc:
        writer.abort()
        writer = _FileWriter(store, entity, f)
        writer.write(
            "rejects", _reject_rows(entity.table, f, now, [(None, exc.reason, None, exc.records)])
        )
        used = result.used_context
        result = FileResult(f.relpath, "rejected", exc.records, 0, exc.records, exc.reason, used)
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    return result


def ingest_entity(
    landing_dir: Path,
    raw_dir: Path,
    entity: Entity,
    run_id: str,
    log: Callable[[str], None] = lambda _: None,
) -> IngestSummary:
    """Bring the raw layer of one entity in line with its landing files (incrementally)."""
    store = RawStore(raw_dir)
    store.ensure_layout(entity)
    found = discover(landing_dir, entity)
    manifest = store.read_manifest(entity.table)
    summary = IngestSummary(
        entity.table,
        files_seen=len(found.files),
        ignored=found.ignored,
        ignored_reasons=found.reasons,
        refused=found.refused,
        deferred=found.deferred,
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    current: dict[str, dict] = {}
    contexts = stripe_lines.read_context(store.manifest_path(entity.table))
    used_contexts: dict[str, str] = {}
    with connect() as con:  # one validation engine for all of the entity's files
        fingerprint = entity.completion.load_context(con, raw_dir) if entity.completion else None
        for f in found.files:
            stat = f.path.stat()
            previous = manifest.get(f.relpath)
            if contexts.get(f.relpath, fingerprint) != fingerprint:
                previous = None  # the prices or line items it was completed with changed
            elif f.relpath in contexts:
                used_contexts[f.relpath] = contexts[f.relpath]
            if previous and (previous["size_bytes"], previous["mtime_ns"]) == (
                stat.st_size,
                stat.st_mtime_ns,
            ):
                current[f.relpath] = previous
                summary.files_skipped += 1
                continue
            digest = _sha256(f.path)
            if previous and previous["sha256"] == digest:
                current[f.relpath] = previous | {"mtime_ns": stat.st_mtime_ns}
                summary.files_skipped += 1
                continue
            unknown: Counter = Counter()
            result = _ingest_file(con, store, entity, f, now, unknown)
            if result.used_context:
                used_contexts[f.relpath] = fingerprint
            summary.unknown_fields |= set(unknown)
            summary.unknown_counts.update(unknown)
            summary.files_ingested += result.status == "ingested"
            summary.files_rejected += result.status == "rejected"
            summary.records_read += result.records_read
            summary.records_loaded += result.records_loaded
            summary.records_rejected += result.records_rejected
            log(
                f"{entity.table}: {f.relpath}: {result.records_loaded} loaded, "
                f"{result.records_rejected} rejected"
            )
            current[f.relpath] = {
                "entity": entity.table,
                "source_file": f.relpath,
                "delivery_date": f.delivery_date,
                "size_bytes": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
                "sha256": digest,
                "records_read": result.records_read,
                "records_loaded": result.records_loaded,
                "records_rejected": result.records_rejected,
                "file_rejected_reason": result.reason,
                "unknown_fields": ",".join(sorted(unknown)) or None,
                "ingested_at": now,
                "run_id": run_id,
            }
    for gone in manifest.keys() - current.keys():
        _remove(store, entity, gone, manifest[gone])
        summary.files_removed += 1
    if current != manifest or not store.manifest_path(entity.table).exists():
        tmp = temp_name(store.manifest_path(entity.table))
        pq.write_table(pa.Table.from_pylist(list(current.values()), schema=MANIFEST_SCHEMA), tmp)
        os.replace(tmp, store.manifest_path(entity.table))
    if used_contexts != contexts:
        stripe_lines.write_context(store.manifest_path(entity.table), used_contexts)
    return summary


def _remove(store: RawStore, entity: Entity, relpath: str, row: dict) -> None:
    f = LandingFile(Path(relpath), relpath, row["delivery_date"])
    key = _file_key(f)
    for folder in (
        *(store.table_dir(table) for table in entity.raw_tables),
        store.rejects_dir(entity.table),
    ):
        (folder / f"{key}.parquet").unlink(missing_ok=True)
