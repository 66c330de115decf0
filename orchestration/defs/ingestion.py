"""Ingestion: one asset per landing entity, landing files -> typed Parquet raw layer."""

import dagster as dg

from orchestration.defs.extract import extract_deps
from orchestration.defs.resources import C360Settings
from sources import ENTITIES, Entity
from sources.billing import INVOICES
from sources.raw_store import INVOICE_LINES_TABLE, ingest_entity


def _specs(entity: Entity) -> list[dg.AssetSpec]:
    specs = [
        dg.AssetSpec(
            key=["raw", entity.table],
            group_name="ingestion",
            kinds={"python", "parquet"},
            description=f"{entity.description} Landing `{entity.landing_path}/` -> `raw.{entity.table}`.",
            deps=extract_deps(entity.landing_path),
        )
    ]
    if entity is INVOICES:  # the invoices' lines are flattened into a raw table of their own
        specs.append(
            dg.AssetSpec(
                key=["raw", INVOICE_LINES_TABLE],
                group_name="ingestion",
                kinds={"python", "parquet"},
                description="Invoice lines (`lines.data`) of every ingested invoice version.",
                deps=extract_deps(entity.landing_path),
            )
        )
    return specs


def _ingestion_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.multi_asset(name=f"ingest_{entity.table}", specs=_specs(entity))
    def _ingest(context: dg.AssetExecutionContext, settings: C360Settings):
        summary = ingest_entity(
            settings.paths.landing_dir,
            settings.paths.raw_dir,
            entity,
            context.run.run_id,
            log=context.log.debug,
        )
        context.log.info(
            f"{entity.table}: {summary.files_ingested} file(s) ingested, "
            f"{summary.files_skipped} unchanged, {summary.files_rejected} rejected whole; "
            f"{summary.records_loaded} records loaded, {summary.records_rejected} rejected"
        )
        if summary.ignored:
            context.log.warning(
                f"{entity.table}: ignored {len(summary.ignored)} non-data file(s): "
                f"{summary.ignored[:5]}"
            )
        if summary.unknown_fields:
            context.log.info(f"{entity.table}: unknown fields {sorted(summary.unknown_fields)}")
        yield dg.MaterializeResult(
            asset_key=["raw", entity.table],
            metadata={
                "files_seen": summary.files_seen,
                "files_ingested": summary.files_ingested,
                "files_unchanged": summary.files_skipped,
                "files_removed": summary.files_removed,
                "files_rejected": summary.files_rejected,
                "records_read": summary.records_read,
                "records_loaded": summary.records_loaded,
                "records_rejected": summary.records_rejected,
                "ignored_files": dg.MetadataValue.json(summary.ignored[:50]),
                "unknown_fields": dg.MetadataValue.json(sorted(summary.unknown_fields)),
            },
        )
        if entity is INVOICES:
            yield dg.MaterializeResult(asset_key=["raw", INVOICE_LINES_TABLE])

    return _ingest


ingestion_assets = [_ingestion_asset(e) for e in ENTITIES]

defs = dg.Definitions(assets=ingestion_assets)
