"""Writing a pulled delivery safely: staged, renamed into place, marked complete, then the cursor.

Everything a pull keeps for itself lives in `<landing>/.c360_pull/<source>/`, outside every
entity folder, so ingestion never sees it:

- `state.json`   the cursor and the number of the last committed pull;
- `staging/`     the delivery being written (`<system>/<entity>/pull-NNNNNN.jsonl`) and, once
                 every file is complete, `READY.json` naming the delivery date and the new state;
- `lock`         held while a pull of this source runs (one pull per source at a time).

A pull killed before `READY.json` exists leaves a staging folder that the next pull discards: the
cursor has not moved, so that pull fetches the same objects again. A pull killed after it leaves a
complete delivery that the next pull finishes moving into place (each file move is an atomic
rename), then advances the cursor. Either way nothing is lost and nothing is delivered twice.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "_SUCCESS"  # written into each delivery folder after its files are in place


class PullError(RuntimeError):
    """A pull that cannot go on; the message says what to fix and never holds a credential."""


@dataclass
class PullState:
    """What the last committed pull of a source reached."""

    pulls: int = 0  # committed pulls so far: numbers the delivery files (pull-000001.jsonl ...)
    delivery_date: str | None = None  # the last committed delivery date
    cursor: dict = field(default_factory=dict)  # source-specific: where the next pull starts

    def to_json(self) -> dict:
        return {"pulls": self.pulls, "delivery_date": self.delivery_date, "cursor": self.cursor}

    @classmethod
    def from_json(cls, data: dict) -> PullState:
        return cls(data.get("pulls", 0), data.get("delivery_date"), data.get("cursor") or {})


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class PullWorkspace:
    """A source's private folder under the landing directory (see the module docstring)."""

    def __init__(self, landing_dir: Path, source: str):
        self.landing_dir = landing_dir
        self.root = landing_dir / ".c360_pull" / source
        self.staging = self.root / "staging"
        self.state_path = self.root / "state.json"

    def load_state(self) -> PullState:
        if not self.state_path.exists():
            return PullState()
        return PullState.from_json(json.loads(self.state_path.read_text(encoding="utf-8")))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One pull per source at a time; the OS releases the lock when a process dies."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PullError(
                    f"another pull of this source is running (lock {self.root / 'lock'})"
                ) from None
            yield

    # ------------------------------------------------------------------ recovery
    def recover(self) -> list[str]:
        """Finish a delivery left complete by a killed pull, or discard an incomplete one.

        Returns the files moved into place (the cursor advanced with them); none when the
        staged pull was incomplete and discarded."""
        if not self.staging.exists():
            return []
        if not (self.staging / "READY.json").exists():
            shutil.rmtree(self.staging)
            return []
        return self._publish()

    # ------------------------------------------------------------------ writing
    def start(self) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)

    def write_records(self, landing_path: str, file_name: str, records: list[dict]) -> Path:
        """Stage one JSONL file for `<landing_path>/<date>/<file_name>`, flushed to disk."""
        folder = self.staging / landing_path
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
            f.flush()
            os.fsync(f.fileno())
        return path

    def commit(self, delivery_date: dt.date, state: PullState) -> list[str]:
        """Mark the staged delivery complete, move it into place, then advance the cursor.

        Returns the landing-relative paths of the delivered files."""
        files = sorted(
            p.relative_to(self.staging).as_posix()
            for p in self.staging.rglob("*.jsonl")
            if p.is_file()
        )
        ready = {
            "delivery_date": delivery_date.isoformat(),
            "files": files,
            "state": state.to_json(),
        }
        _write_atomically(self.staging / "READY.json", json.dumps(ready, indent=2))
        return self._publish()

    def _publish(self) -> list[str]:
        ready = json.loads((self.staging / "READY.json").read_text(encoding="utf-8"))
        date = ready["delivery_date"]
        delivered = []
        for rel in ready["files"]:
            entity_path, name = rel.rsplit("/", 1)
            target_dir = self.landing_dir / entity_path / date
            target_dir.mkdir(parents=True, exist_ok=True)
            source = self.staging / rel
            if source.exists():  # not moved yet (a killed pull may have moved some already)
                os.replace(source, target_dir / name)
            delivered.append(f"{entity_path}/{date}/{name}")
        for folder in sorted({d.rsplit("/", 1)[0] for d in delivered}):
            self._mark_complete(self.landing_dir / folder)
        _write_atomically(self.state_path, json.dumps(ready["state"], indent=2))
        shutil.rmtree(self.staging)
        return delivered

    @staticmethod
    def _mark_complete(folder: Path) -> None:
        """`_SUCCESS` lists the pulled files that are complete in this delivery folder."""
        pulled = sorted(p.name for p in folder.glob("pull-*.jsonl"))
        _write_atomically(folder / MARKER, json.dumps({"complete": pulled}, indent=2) + "\n")


def pull_file_name(number: int) -> str:
    """Delivery files sort in pull order inside a folder, so a later pull the same day wins."""
    return f"pull-{number:06d}.jsonl"
