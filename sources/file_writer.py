"""Writing one landing file's outputs atomically: nothing of a file is visible until all of it is
written, and a failed file leaves its previous outputs in place."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

from sources.atomic import temp_name
from sources.contract import Entity
from sources.landing import LandingFile
from sources.raw_schemas import REJECTS_SCHEMA, child_schema, table_schema
from sources.raw_store import RawStore


class FileWriter:
    """Writes one landing file's outputs to temporary Parquet files, committed only at the end."""

    def __init__(self, store: RawStore, entity: Entity, f: LandingFile) -> None:
        schemas = {"data": table_schema(entity), "rejects": REJECTS_SCHEMA}
        if entity.child:
            schemas["children"] = child_schema(entity.child)
        self.targets = {
            kind: (path, schemas[kind]) for kind, path in store.file_paths(entity, f).items()
        }
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
