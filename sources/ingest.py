"""Ingesting one entity incrementally: bring its raw layer in line with its landing files.

A landing file already ingested with the same content hash is skipped; a changed file replaces its
Parquet; a file gone from the landing directory is dropped from the raw layer, so raw always
mirrors landing. A file its completion used is read again when that context changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sources.contract import Entity
from sources.ingest_file import FileResult, ingest_file
from sources.landing import LandingFile, discover
from sources.raw_store import RawStore
from sources.rewrites import record_rewrites
from sources.validate import connect


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

    def add(self, result: FileResult, unknown: Counter) -> None:
        self.unknown_fields |= set(unknown)
        self.unknown_counts.update(unknown)
        self.files_ingested += result.status == "ingested"
        self.files_rejected += result.status == "rejected"
        self.records_read += result.records_read
        self.records_loaded += result.records_loaded
        self.records_rejected += result.records_rejected


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _manifest_row(
    entity: Entity,
    f: LandingFile,
    stat: os.stat_result,
    digest: str,
    result: FileResult,
    unknown: Counter,
    now: dt.datetime,
    run_id: str,
) -> dict:
    """What the manifest records of an ingested file; `stat` as it was before it was read."""
    return {
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
    contexts = store.read_contexts(entity.table)
    used_contexts: dict[str, str] = {}
    latest_read = max((row["delivery_date"] for row in manifest.values()), default=None)
    rewrites: list[str] = []  # changes behind the latest delivery read (sources/rewrites.py)
    with connect() as con:  # one validation engine for all of the entity's files
        fingerprint = entity.completion.load_context(con, raw_dir) if entity.completion else None
        for f in found.files:
            stat = f.path.stat()
            previous = manifest.get(f.relpath)
            if contexts.get(f.relpath, fingerprint) != fingerprint:
                previous = None  # what it was completed with changed
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
            if f.relpath in manifest:
                rewrites.append(f"{f.relpath}: changed since it was read")
            elif latest_read is not None and f.delivery_date < latest_read:
                rewrites.append(f"{f.relpath}: new in a delivery before {latest_read}")
            unknown: Counter = Counter()
            result = ingest_file(con, store, entity, f, now, unknown)
            if result.used_context:
                used_contexts[f.relpath] = fingerprint
            summary.add(result, unknown)
            log(
                f"{entity.table}: {f.relpath}: {result.records_loaded} loaded, "
                f"{result.records_rejected} rejected"
            )
            current[f.relpath] = _manifest_row(
                entity, f, stat, digest, result, unknown, now, run_id
            )
    for gone in manifest.keys() - current.keys():
        store.remove_file(entity, gone, manifest[gone]["delivery_date"])
        summary.files_removed += 1
        rewrites.append(f"{gone}: removed from landing")
    # recorded before the manifest, so a crash in between re-reads rather than forgets
    record_rewrites(raw_dir, entity.table, rewrites)
    if current != manifest or not store.manifest_path(entity.table).exists():
        store.write_manifest(entity.table, list(current.values()))
    if used_contexts != contexts:
        store.write_contexts(entity.table, used_contexts)
    return summary
