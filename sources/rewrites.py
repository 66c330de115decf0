"""Changes to the raw layer behind its latest delivery, which an incremental build cannot see.

The staging models read only the deliveries from the latest one they hold onwards: a new delivery
is all a daily run brings. Three changes break that: a landing file removed (its records must go,
and the versions they shadowed come back), a file already read that changed (or whose completion
context changed), and a new file in a delivery older than the latest one read. Ingestion records
each of them here, per entity, in `_rewritten/<table>.txt` under the raw directory; the next dbt
build is then a full refresh, and the records are cleared once it has built every model. They are
rare (an operator's correction), so a full rebuild costs less than tracking them row by row.
"""

from __future__ import annotations

import os
from pathlib import Path

from sources.atomic import temp_name

FOLDER = "_rewritten"


def record_rewrites(raw_dir: Path, table: str, changes: list[str]) -> None:
    """Add what changed behind the latest delivery of `table` (kept until a full refresh)."""
    if not changes:
        return
    path = raw_dir / FOLDER / f"{table}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.read_text() if path.exists() else ""
    tmp = temp_name(path)
    tmp.write_text(before + "".join(f"{change}\n" for change in changes))
    os.replace(tmp, path)


def rewritten_tables(raw_dir: Path) -> dict[str, list[str]]:
    """Each entity with changes behind its latest delivery, and what they were."""
    folder = raw_dir / FOLDER
    if not folder.is_dir():
        return {}
    return {p.stem: p.read_text().splitlines() for p in sorted(folder.glob("*.txt"))}


def clear_rewrites(raw_dir: Path, seen: dict[str, list[str]]) -> None:
    """Forget the changes a full refresh has built (not any recorded since it read them)."""
    for table, changes in seen.items():
        path = raw_dir / FOLDER / f"{table}.txt"
        if path.exists() and path.read_text().splitlines() == changes:
            path.unlink()
