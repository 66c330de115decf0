"""Streaming readers: a landing file as batches of records, never the whole file in memory.

JSONL batches carry `(line_no, raw)`; CSV batches carry `(line_no, raw, <column>...)` as text.
Structural problems (bad gzip, undecodable bytes, wrong CSV header) raise `UnreadableFile`;
a CSV row with the wrong number of fields is returned as a rejected record.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BATCH_LINES = 100_000

csv.field_size_limit(sys.maxsize)


class UnreadableFile(Exception):
    """The whole file cannot be read; `records` is how many lines/rows it counts as rejected."""

    def __init__(self, reason: str, records: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.records = max(records, 1)


@dataclass
class Batch:
    records: pa.Table  # line_no, raw, and for CSV one text column per header field
    structural_rejects: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # line, reason, raw
    unknown_fields: set[str] = field(default_factory=set)


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        if path.stat().st_size == 0:  # gzip reads an empty file as empty data, silently
            raise UnreadableFile(f"{path.name} is empty (0 bytes): not a gzip file", 1)
        return gzip.open(path, "rb")
    return open(path, "rb")


def _count_lines(path: Path) -> int:
    """How many lines a file we could not read holds, for the reject share.

    A truncated or corrupt gzip is counted up to where it breaks, plus the line it broke in:
    every record it still holds counts as rejected, not one per file.
    """
    lines = 0
    try:
        with _open_binary(path) as fh:
            for _ in fh:
                lines += 1
    except Exception:  # noqa: BLE001 - count what can be counted
        lines += 1
    return lines


def _not_utf8(path: Path) -> str:
    """Why a text file is not UTF-8, naming the first line and byte that are not."""
    where = "somewhere"
    with _open_binary(path) as fh:
        for line_no, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = line[exc.start : exc.start + 1].hex()
                where = f"line {line_no} (byte 0x{byte}: {exc.reason})"
                break
    return (
        f"not UTF-8: {path.name} is in another encoding (Windows-1252 or Latin-1, for example); "
        f"the first byte that is not UTF-8 is on {where}. The file is rejected whole (a "
        "guessed encoding could load wrong text): re-export it as UTF-8"
    )


def _lines_table(
    chunk: list[bytes], first_line: int
) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """A chunk of raw lines as (line_no, raw); blank lines dropped, non-UTF-8 lines rejected."""
    numbers = pa.array(np.arange(first_line, first_line + len(chunk), dtype=np.int64))
    try:  # fast path: the whole chunk is valid UTF-8 (Arrow validates it in one go)
        texts = pa.array(chunk, pa.binary()).cast(pa.string())
        rejects: list[tuple[int, str, str]] = []
    except pa.ArrowInvalid:
        decoded, rejects = [], []
        for n, raw in enumerate(chunk, start=first_line):
            try:
                decoded.append(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                rejects.append((n, f"not UTF-8: {exc}", raw.decode("utf-8", "replace")))
                decoded.append("")
        texts = pa.array(decoded, pa.string())
    texts = pc.utf8_rtrim(texts, characters="\r\n")
    keep = pc.not_equal(pc.utf8_trim_whitespace(texts), "")
    return pa.table({"line_no": numbers, "raw": texts}).filter(keep), rejects


def read_jsonl(path: Path, batch_lines: int = BATCH_LINES) -> Iterator[Batch]:
    line_no = 0
    try:
        with _open_binary(path) as fh:
            while chunk := fh.readlines(batch_lines * 200):
                if line_no == 0 and chunk[0].startswith(codecs.BOM_UTF8):
                    chunk[0] = chunk[0][len(codecs.BOM_UTF8) :]  # a byte-order mark is no data
                table, rejects = _lines_table(chunk, line_no + 1)
                line_no += len(chunk)
                yield Batch(table, rejects)
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise UnreadableFile(
            f"cannot read {path.name} whole ({exc}): rejected with every record it holds",
            max(line_no, _count_lines(path)),
        ) from exc


def _text_stream(path: Path) -> IO[str]:
    # utf-8-sig: a leading byte-order mark (Excel's "CSV UTF-8") is skipped, not read as part
    # of the first column's name
    return io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="")


def _row_text(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()


def read_csv(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...], batch_lines: int = BATCH_LINES
) -> Iterator[Batch]:
    """Read a CSV by column name (any order). Empty fields become null."""
    rows_read = 0
    try:
        with _text_stream(path) as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            duplicated = sorted({h for h in header if header.count(h) > 1})
            missing = [c for c in required if c not in header]
            if duplicated or missing:
                parts = [
                    f"missing required column(s) {missing}" if missing else "",
                    f"duplicated column(s) {duplicated}" if duplicated else "",
                ]
                rows = sum(1 for _ in reader)
                raise UnreadableFile("wrong header: " + "; ".join(p for p in parts if p), rows)
            index = {name: header.index(name) for name in columns if name in header}
            unknown = {h for h in header if h not in columns}
            width = len(header)
            while True:
                numbers: list[int] = []
                raws: list[str | None] = []
                values: dict[str, list[str | None]] = {name: [] for name in columns}
                rejects: list[tuple[int, str, str]] = []
                start = reader.line_num + 1
                for row in reader:
                    rows_read += 1
                    line = start
                    start = reader.line_num + 1
                    if len(row) != width:
                        rejects.append(
                            (line, f"expected {width} fields, found {len(row)}", _row_text(row))
                        )
                        continue
                    numbers.append(line)
                    raws.append(None)  # rebuilt from the typed columns only when rejected
                    for name, values_of in values.items():
                        i = index.get(name)
                        v = row[i] if i is not None else ""
                        values_of.append(v if v != "" else None)
                    if len(numbers) + len(rejects) >= batch_lines:
                        break
                if not numbers and not rejects:
                    return
                table = pa.table(
                    {"line_no": pa.array(numbers, pa.int64()), "raw": pa.array(raws, pa.string())}
                    | {name: pa.array(v, pa.string()) for name, v in values.items()}
                )
                yield Batch(table, rejects, unknown)
    except UnicodeDecodeError as exc:
        records = max(rows_read, _count_lines(path) - 1)  # every row but the header
        raise UnreadableFile(_not_utf8(path), records) from exc
    except csv.Error as exc:
        raise UnreadableFile(f"malformed CSV: {exc}", rows_read or _count_lines(path)) from exc
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise UnreadableFile(
            f"cannot read {path.name} whole ({exc}): rejected with every record it holds",
            max(rows_read, _count_lines(path) - 1),
        ) from exc
