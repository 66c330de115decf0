"""Writes delivered record versions into the landing layout of docs/sources.md.

    <root>/<system>/<entity>/<YYYY-MM-DD>/part-00000.jsonl[.gz] | .csv

Chunks of customers arrive one after another; each appends to the open part of a
delivery folder, and a part is closed at MAX_LINES_PER_FILE lines, so the file count
depends on the data volume, not on the chunk count. The initial load (the first,
largest delivery) of the dimension-like entities is gzipped. Gzip headers carry no
time stamp or file name, so equal inputs give byte-identical files.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from .calendar import Calendar

MAX_LINES_PER_FILE = 500_000
BAD_LINE_SHARE = 0.0005  # contract-breaking JSON lines, to exercise rejection handling
SUCCESS_MARKER = "_SUCCESS"


@dataclass(frozen=True)
class Entity:
    name: str  # "crm/accounts"
    csv_columns: tuple[str, ...] = ()  # empty for JSON lines (in column `_line`)
    gzip_initial_load: bool = False
    success_marker: bool = False  # the exporter drops _SUCCESS into each delivery folder
    # How a deliberate bad line breaks the contract: a regex removing one required field
    # (with its comma), and a regex + replacement giving a field the wrong type.
    missing_field: str = ""
    wrong_type: tuple[str, str] = ("", "")

    @property
    def is_json(self) -> bool:
        return not self.csv_columns


@dataclass
class _Part:
    number: int
    lines: int = 0
    path: Path | None = None
    gzip: gzip.GzipFile | None = None
    raw: BinaryIO | None = None

    def close(self) -> None:
        if self.gzip is not None:
            self.gzip.close()
            assert self.raw is not None
            self.raw.close()
            self.gzip = self.raw = None


class LandingWriter:
    def __init__(self, root: Path, cal: Calendar) -> None:
        self.root = root
        self.cal = cal
        self._parts: dict[tuple[str, int], _Part] = {}
        self._marked: set[Path] = set()  # delivery folders that get a _SUCCESS marker
        self.counts: dict[str, int] = {}

    def write(self, entity: Entity, frame: pl.DataFrame) -> None:
        """Append rows to their delivery folders. `frame` holds `_delivery` and `_line` (JSON)
        or the CSV columns, in file order."""
        self.counts[entity.name] = self.counts.get(entity.name, 0) + frame.height
        if frame.height == 0:
            return
        columns = ["_line"] if entity.is_json else list(entity.csv_columns)
        for (delivery,), rows in frame.partition_by(
            "_delivery", as_dict=True, maintain_order=True
        ).items():
            self._append(entity, int(delivery), rows.select(columns))

    def close(self) -> dict[str, int]:
        for part in self._parts.values():
            part.close()
        for folder in sorted(self._marked):
            (folder / SUCCESS_MARKER).touch()
        return dict(self.counts)

    def _append(self, entity: Entity, delivery: int, rows: pl.DataFrame) -> None:
        key = (entity.name, delivery)
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = _Part(number=0)
        offset = 0
        while offset < rows.height:
            if part.lines >= MAX_LINES_PER_FILE:
                part.close()
                part = self._parts[key] = _Part(number=part.number + 1)
            take = min(rows.height - offset, MAX_LINES_PER_FILE - part.lines)
            self._write_bytes(
                entity,
                delivery,
                part,
                _serialise(entity, rows.slice(offset, take), part.lines == 0),
            )
            part.lines += take
            offset += take

    def _write_bytes(self, entity: Entity, delivery: int, part: _Part, payload: bytes) -> None:
        if part.path is None:
            folder = self.root / entity.name / self.cal.delivery_dates[delivery].isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            if entity.success_marker:
                self._marked.add(folder)
            suffix = ".jsonl" if entity.is_json else ".csv"
            compressed = entity.gzip_initial_load and delivery == 0
            part.path = folder / f"part-{part.number:05d}{suffix}{'.gz' if compressed else ''}"
            if compressed:
                part.raw = open(part.path, "wb")  # noqa: SIM115 - kept open across chunks
                part.gzip = gzip.GzipFile(
                    filename="", mode="wb", fileobj=part.raw, mtime=0, compresslevel=1
                )
        if part.gzip is not None:
            part.gzip.write(payload)
        else:
            with open(part.path, "ab") as handle:
                handle.write(payload)


def _serialise(entity: Entity, rows: pl.DataFrame, header: bool) -> bytes:
    buffer = io.BytesIO()
    if entity.is_json:
        # One JSON object per line, written verbatim.
        rows.write_csv(buffer, include_header=False, quote_style="never")
    else:
        rows.write_csv(buffer, include_header=header)
    return buffer.getvalue()


def inject_bad_lines(
    entity: Entity, frame: pl.DataFrame, rng: np.random.Generator, minimum: int
) -> pl.DataFrame:
    """Add corrupted copies of some lines right after their originals (same delivery).

    The original stays valid, so a reader that rejects the copy keeps the record;
    a copy is a truncated line, the record without a required field, or a field of
    the wrong type, in turn.
    """
    n = frame.height
    # The guaranteed minimum only where it keeps the share of bad lines below 1 %.
    floor = minimum if n >= 100 * minimum else 0
    count = min(n, max(floor, int(rng.binomial(n, BAD_LINE_SHARE)))) if n else 0
    if count == 0:
        return frame
    # Draw a few spare lines and keep those holding both fields the corruptions touch
    # (a deleted stub does not): checking a sample is cheaper than scanning every line.
    sample = np.sort(rng.choice(n, size=min(n, 4 * count + 8), replace=False))
    fits = (
        frame[sample]
        .select(
            pl.col("_line").str.contains(entity.missing_field)
            & pl.col("_line").str.contains(entity.wrong_type[0])
        )
        .to_series()
        .to_numpy()
    )
    rows = sample[fits][:count]
    if len(rows) == 0:
        return frame
    kind = (np.arange(len(rows)) + rng.integers(0, 3)) % 3
    line = pl.col("_line")
    bad = (
        frame[rows]
        .with_columns(pl.Series("_kind", kind), pl.Series("_pos", rows))
        .with_columns(
            pl.when(pl.col("_kind") == 0)
            .then(line.str.slice(0, line.str.len_chars() * 3 // 5))
            .when(pl.col("_kind") == 1)
            .then(line.str.replace(entity.missing_field, ""))
            .otherwise(line.str.replace(entity.wrong_type[0], entity.wrong_type[1]))
            .alias("_line")
        )
        .drop("_kind")
    )
    return (
        pl.concat(
            [frame.with_columns(pl.Series("_pos", np.arange(n))), bad], how="vertical_relaxed"
        )
        .with_row_index("_order")
        .sort(["_pos", "_order"])
        .drop("_pos", "_order")
    )
