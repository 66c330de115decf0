"""Temporary files that never collide and are found again if their writer dies.

Every file the pipeline replaces (raw Parquet, manifests, the serving copy) is written under a
temporary name beside its target and renamed over it (`os.replace` is atomic): a reader sees the
old file or the new one, never half of one. The temporary name carries the writer's pid and a
random part, so two writers never share it, and a later run can tell an orphan (its writer no
longer runs) from a file being written right now.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_TEMP = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.tmp")


def temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def writer_pid(path: Path) -> int | None:
    """The pid of the process that created a temporary file, or None if it is not one of ours."""
    found = _TEMP.match(path.name)
    return int(found.group(1)) if found else None


def umask() -> int:
    """The process umask, read without changing it (`os.umask` can only be read by setting it,
    which races with other threads creating files)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def file_mode(mode: int = 0o666) -> int:
    """`mode` as the user's umask allows it: files for people's eyes follow the umask, never
    forced readable by everyone."""
    return mode & ~umask()
