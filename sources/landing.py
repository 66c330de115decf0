"""Finding landing files: `<landing>/<system>/<entity>/<YYYY-MM-DD>/<file>`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sources.contract import Entity


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relpath: str  # relative to the landing directory, with forward slashes: the lineage key
    delivery_date: dt.date


@dataclass(frozen=True)
class Discovery:
    files: list[LandingFile]  # readable by name, in delivery then file-name order
    ignored: list[str]  # anything else found in delivery folders (markers, READMEs, bad folders)
    reasons: dict[str, str] = field(default_factory=dict)  # ignored path -> why it was not read


def _parse_delivery(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(name) if len(name) == 10 else None
    except ValueError:
        return None


def discover(landing_dir: Path, entity: Entity) -> Discovery:
    """List an entity's landing files. Order matters: later deliveries, then later names, win."""
    root = landing_dir / entity.landing_path
    files: list[LandingFile] = []
    ignored: list[str] = []
    reasons: dict[str, str] = {}
    if not root.is_dir():
        return Discovery(files, ignored, reasons)
    for folder in sorted(root.iterdir()):
        delivery = _parse_delivery(folder.name) if folder.is_dir() else None
        if delivery is None:
            ignored.append(folder.relative_to(landing_dir).as_posix())
            reasons[ignored[-1]] = _ignored_reason(folder, entity, delivery_folder=False)
            continue
        for path in sorted(folder.iterdir()):
            rel = path.relative_to(landing_dir).as_posix()
            if path.is_file() and path.name.endswith(entity.suffixes):
                files.append(LandingFile(path, rel, delivery))
            else:
                ignored.append(rel)
                reasons[rel] = _ignored_reason(path, entity, delivery_folder=True)
    return Discovery(files, ignored, reasons)


MARKERS = ("_SUCCESS", "_COMMITTED", "_STARTED", ".done", ".ready", ".lock")


def _ignored_reason(path: Path, entity: Entity, delivery_folder: bool) -> str:
    """Why a path in an entity's landing folder is not read, in words for the run summary."""
    if not delivery_folder:
        what = "a folder" if path.is_dir() else "a file"
        return f"{what} outside any delivery folder (YYYY-MM-DD)"
    if path.is_dir():
        return "a folder inside a delivery folder"
    if path.name.startswith(MARKERS) or path.name.endswith(MARKERS):
        return "a marker file"
    if not path.is_file():
        return "not a regular file"
    return "not a data file (read: " + ", ".join(f"*{s}" for s in entity.suffixes) + ")"


def as_of_date(landing_dir: Path, entities: tuple[Entity, ...]) -> dt.date | None:
    """The run's as-of date: the latest delivery date found under any entity."""
    dates = [f.delivery_date for e in entities for f in discover(landing_dir, e).files]
    return max(dates, default=None)
