"""Finding landing files: `<landing>/<system>/<entity>/<YYYY-MM-DD>/<file>`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
    if not root.is_dir():
        return Discovery(files, ignored)
    for folder in sorted(root.iterdir()):
        delivery = _parse_delivery(folder.name) if folder.is_dir() else None
        if delivery is None:
            ignored.append(folder.relative_to(landing_dir).as_posix())
            continue
        for path in sorted(folder.iterdir()):
            rel = path.relative_to(landing_dir).as_posix()
            if path.is_file() and path.name.endswith(entity.suffixes):
                files.append(LandingFile(path, rel, delivery))
            else:
                ignored.append(rel)
    return Discovery(files, ignored)


def as_of_date(landing_dir: Path, entities: tuple[Entity, ...]) -> dt.date | None:
    """The run's as-of date: the latest delivery date found under any entity."""
    dates = [f.delivery_date for e in entities for f in discover(landing_dir, e).files]
    return max(dates, default=None)
