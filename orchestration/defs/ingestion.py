"""Ingestion: one asset per landing entity (one step for all), landing files -> typed Parquet raw
layer."""

import os
import time
from concurrent.futures import ThreadPoolExecutor, wait

import dagster as dg

from orchestration.defs.extract import extract_deps
from orchestration.defs.resources import C360Settings
from sources import ENTITIES, Entity
from sources.ingest import IngestSummary, ingest_entity

TOP_UNKNOWN, FIRST_IGNORED = 5, 5
# Reading a landing file is mostly Arrow/DuckDB work, which runs outside Python's lock.
INGEST_THREADS = min(4, os.cpu_count() or 1)


def ingestion_metadata(summary: IngestSummary) -> dict:
    """What one ingestion read, for the asset's materialization (and so the run summary)."""
    return {
        "files_seen": summary.files_seen,
        "files_ingested": summary.files_ingested,
        "files_unchanged": summary.files_skipped,
        "files_removed": summary.files_removed,
        "files_rejected": summary.files_rejected,
        "records_read": summary.records_read,
        "records_loaded": summary.records_loaded,
        "records_rejected": summary.records_rejected,
        "files_ignored": len(summary.ignored),
        "ignored_files": dg.MetadataValue.json(
            {p: summary.ignored_reasons.get(p, "ignored") for p in summary.ignored[:50]}
        ),
        # every unknown field with its number of occurrences, most frequent first
        "unknown_fields": dg.MetadataValue.json(dict(summary.unknown_counts.most_common())),
        "refused_links": dg.MetadataValue.json(summary.refused[:50]),
        "deferred_deliveries": dg.MetadataValue.json(summary.deferred[:50]),
    }


def summary_notes(metadata: dict) -> list[str]:
    """Lines for the run summary from an ingestion's metadata: ignored files, unknown fields."""

    def value(key: str):  # a MetadataValue as recorded, or the plain value before recording
        return getattr(metadata.get(key), "value", metadata.get(key))

    notes = []
    if ignored := value("ignored_files"):
        first = [f"{p} ({why})" for p, why in list(ignored.items())[:FIRST_IGNORED]]
        notes.append(f"{value('files_ignored')} file(s) ignored: {'; '.join(first)}")
    if unknown := value("unknown_fields"):
        top = list(unknown.items())[:TOP_UNKNOWN]
        notes.append(
            f"{len(unknown)} unknown field(s), most frequent: "
            + ", ".join(f"{name} ({n:,})" for name, n in top)
        )
    return notes


def _specs(entity: Entity) -> list[dg.AssetSpec]:
    specs = [
        dg.AssetSpec(
            key=["raw", entity.table],
            group_name="ingestion",
            kinds={"python", "parquet"},
            description=f"{entity.description} Landing `{entity.landing_path}/` -> `raw.{entity.table}`.",
            deps=extract_deps(entity.landing_path) + [["raw", e.table] for e in entity.needs],
        )
    ]
    if entity.child:  # written by the same ingestion, into a raw table of its own
        specs.append(
            dg.AssetSpec(
                key=["raw", entity.child.table],
                group_name="ingestion",
                kinds={"python", "parquet"},
                description=entity.child.description,
                deps=extract_deps(entity.landing_path),
            )
        )
    return specs


# What every ingestion read and rejected, per file: written by this step beside the raw tables,
# and read by the gates on the reject share and on freshness, which hang on it.
INGESTION_LOG = [
    dg.AssetSpec(
        key=["raw", "ingested_files"],
        group_name="ingestion",
        kinds={"python", "parquet"},
        description="One row per landing file each ingestion read: entity, delivery date, "
        "records read and rejected.",
        skippable=True,
    ),
    dg.AssetSpec(
        key=["raw", "rejects"],
        group_name="ingestion",
        kinds={"python", "parquet"},
        description="Every rejected record (or file rejected whole): its file, line, raw text "
        "and the reason.",
        skippable=True,
    ),
]


@dg.multi_asset(
    name="ingest",
    specs=[spec for entity in ENTITIES for spec in _specs(entity)] + INGESTION_LOG,
    can_subset=True,
)
def ingest(context: dg.AssetExecutionContext, settings: C360Settings):
    """Every selected entity in one step, INGEST_THREADS at a time (each writes its own files).

    One step, not one per entity: under the multiprocess executor each step is a new process
    that imports the code again, which cost more than most entities take to read.
    """
    paths = settings.paths
    selected = {key.path[-1] for key in context.selected_asset_keys}
    entities = [e for e in ENTITIES if e.table in selected]

    def one(entity: Entity) -> tuple[IngestSummary, float]:
        started = time.perf_counter()
        summary = ingest_entity(
            paths.landing_dir, paths.raw_dir, entity, context.run.run_id, log=context.log.debug
        )
        return summary, time.perf_counter() - started

    failed: list[str] = []
    for entity, outcome in _in_parallel(entities, one):
        if isinstance(outcome, BaseException):
            context.log.error(f"{entity.table}: ingestion failed: {outcome!r}")
            failed.append(entity.table)
            continue
        summary, seconds = outcome
        yield from _materialize(context, entity, summary, seconds)
    for log in INGESTION_LOG:
        if entities and log.key in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=log.key)
    if failed:
        raise dg.Failure(
            description=f"ingestion failed for {', '.join(failed)} (see the log); the other "
            "entities were ingested",
            metadata={"failed_entities": dg.MetadataValue.json(failed)},
        )


def _in_parallel(entities: list[Entity], work):
    """(entity, result or exception) for every entity; an entity that needs others (its completion
    reads them from the raw layer) starts once those selected are read."""
    with ThreadPoolExecutor(max_workers=INGEST_THREADS, thread_name_prefix="ingest") as pool:
        needed = {n for e in entities for n in e.needs}
        # what others wait for is read first
        first = sorted((e for e in entities if not e.needs), key=lambda e: e not in needed)
        futures = {e: pool.submit(work, e) for e in first}
        for entity in (e for e in entities if e.needs):
            wait([futures[n] for n in entity.needs if n in futures])
            futures[entity] = pool.submit(work, entity)
        for entity in entities:
            future = futures[entity]
            yield entity, future.exception() or future.result()


def _materialize(context: dg.AssetExecutionContext, entity: Entity, summary, seconds: float):
    context.log.info(
        f"{entity.table}: {summary.files_ingested} file(s) ingested, "
        f"{summary.files_skipped} unchanged, {summary.files_rejected} rejected whole; "
        f"{summary.records_loaded} records loaded, {summary.records_rejected} rejected "
        f"({seconds:.1f}s)"
    )
    report_boundary(context, summary)
    metadata = ingestion_metadata(summary) | {"seconds": round(seconds, 3)}
    for note in summary_notes(metadata):
        context.log.warning(f"{entity.table}: {note}")
    yield dg.MaterializeResult(asset_key=["raw", entity.table], metadata=metadata)
    if entity.child:
        yield dg.MaterializeResult(asset_key=["raw", entity.child.table])


def report_boundary(context: dg.AssetExecutionContext, summary) -> None:
    """Say what the landing boundary kept out: links leading outside landing, future deliveries."""
    if summary.refused:
        context.log.warning(
            f"{summary.entity}: REFUSED {len(summary.refused)} link(s) leading outside the "
            f"landing directory (not read): {summary.refused[:5]}"
        )
    if summary.deferred:
        context.log.warning(
            f"{summary.entity}: deferred {len(summary.deferred)} delivery folder(s) dated after "
            f"today (read on their day, not counted in the as-of date): {summary.deferred[:5]}"
        )


defs = dg.Definitions(assets=[ingest])
