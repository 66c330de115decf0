"""The raw layer's layout: one Parquet file per landing file, plus rejects and a manifest of what
was read.

Layout under the raw directory (beside the warehouse file):
    <table>/<key>.parquet              typed records of one landing file, with lineage columns
    <child table>/<key>.parquet        the records' flattened child array (invoice lines)
    _rejects/<table>/<key>.parquet     records (or whole files) that broke the contract, with reason
    _files/<table>.parquet             manifest: every landing file read, its hash and counts
    _files/<table>.context.json        files completed from other entities, with that context

Parquet (not warehouse tables) so that ingestion never waits on the DuckDB write lock, ingestion
assets run in parallel, and dbt reads the files through `raw.<table>` views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sources.atomic import temp_name
from sources.contract import Entity
from sources.landing import LandingFile
from sources.raw_schemas import MANIFEST_SCHEMA, REJECTS_SCHEMA, child_schema, table_schema
from sources.raw_tables import MANIFEST_FOLDER, REJECTS_FOLDER


def file_key(f: LandingFile) -> str:
    """The name of a landing file's Parquet files: its delivery date and a hash of its path."""
    digest = hashlib.sha1(f.relpath.encode()).hexdigest()[:16]
    return f"{f.delivery_date.isoformat()}_{digest}"


class RawStore:
    """Where each entity's files, rejects and manifest live under the raw directory."""

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

    def file_paths(self, entity: Entity, f: LandingFile) -> dict[str, Path]:
        """The Parquet files one landing file is ingested into, by kind (data, rejects, children)."""
        key = file_key(f)
        paths = {
            "data": self.table_dir(entity.table) / f"{key}.parquet",
            "rejects": self.rejects_dir(entity.table) / f"{key}.parquet",
        }
        if entity.child:
            paths["children"] = self.table_dir(entity.child.table) / f"{key}.parquet"
        return paths

    def remove_file(self, entity: Entity, relpath: str, delivery_date: dt.date) -> None:
        """Drop what a landing file, gone from landing, was ingested into."""
        f = LandingFile(Path(relpath), relpath, delivery_date)
        for path in self.file_paths(entity, f).values():
            path.unlink(missing_ok=True)

    def write_manifest(self, table: str, rows: list[dict]) -> None:
        tmp = temp_name(self.manifest_path(table))
        pq.write_table(pa.Table.from_pylist(rows, schema=MANIFEST_SCHEMA), tmp)
        os.replace(tmp, self.manifest_path(table))

    def context_path(self, table: str) -> Path:
        return self.manifest_path(table).with_suffix(".context.json")

    def read_contexts(self, table: str) -> dict[str, str]:
        """Per landing file that its completion (Entity.completion) used: the fingerprint of the
        context it was completed with."""
        path = self.context_path(table)
        return json.loads(path.read_text()) if path.exists() else {}

    def write_contexts(self, table: str, used: dict[str, str]) -> None:
        path = self.context_path(table)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(used, sort_keys=True, indent=0))
        tmp.replace(path)
