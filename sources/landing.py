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
    # links leading out of the landing directory: never read ("path: reason")
    refused: list[str] = field(default_factory=list)
    # delivery folders dated after today: left alone until their day comes
    deferred: list[str] = field(default_factory=list)


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _outside(path: Path, root: Path) -> bool:
    """Whether `path` (a link, or inside a linked folder) leads out of the landing directory."""
    return not path.resolve().is_relative_to(root)


def _parse_delivery(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(name) if len(name) == 10 else None
    except ValueError:
        return None


def discover(landing_dir: Path, entity: Entity, today: dt.date | None = None) -> Discovery:
    """List an entity's landing files. Order matters: later deliveries, then later names, win.

    The landing directory is a boundary: a link (file or folder) that leads outside it is
    refused, never read. A delivery folder dated after `today` (UTC) is deferred: not read and
    not counted in the as-of date until its day comes.
    """
    today = today or today_utc()
    boundary = landing_dir.resolve()
    root = landing_dir / entity.landing_path
    found = Discovery([], [])
    if not root.is_dir():
        return found
    if _outside(root, boundary):
        found.refused.append(f"{entity.landing_path}: a link leading outside the landing directory")
        return found
    for folder in sorted(root.iterdir()):
        rel_folder = folder.relative_to(landing_dir).as_posix()
        if folder.is_symlink() and _outside(folder, boundary):
            found.refused.append(f"{rel_folder}: a link leading outside the landing directory")
            continue
        delivery = _parse_delivery(folder.name) if folder.is_dir() else None
        if delivery is None:
            found.ignored.append(rel_folder)
            found.reasons[rel_folder] = _ignored_reason(folder, entity, delivery_folder=False)
            continue
        if delivery > today:
            found.deferred.append(f"{rel_folder}: dated after today ({today.isoformat()})")
            continue
        for path in sorted(folder.iterdir()):
            rel = path.relative_to(landing_dir).as_posix()
            if path.is_symlink() and _outside(path, boundary):
                found.refused.append(f"{rel}: a link leading outside the landing directory")
            elif path.is_file() and path.name.endswith(entity.suffixes):
                found.files.append(LandingFile(path, rel, delivery))
            else:
                found.ignored.append(rel)
                found.reasons[rel] = _ignored_reason(path, entity, delivery_folder=True)
    return found


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
