"""Peak memory: a thread sampling the resident set size (RSS) of this process and its children.

psutil when it is installed; otherwise straight from /proc (Linux), which is what psutil reads
too. Every ~100 ms one sample (wall time, RSS of this process, summed RSS of all descendants, e.g.
the dbt subprocess) is kept, so peaks can be mapped afterwards to any stage's time window.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Self

try:  # pragma: no cover - depends on the environment
    import psutil
except ImportError:  # psutil is not a dependency of the project: read /proc instead
    psutil = None

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _proc_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _proc_descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_rss(pid: int | None = None) -> tuple[int, int]:
    """(RSS of the process, summed RSS of its descendants), in bytes."""
    pid = pid or os.getpid()
    if psutil is not None:
        proc = psutil.Process(pid)
        own = proc.memory_info().rss
        children = 0
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                children += child.memory_info().rss
        return own, children
    return _proc_rss(pid), sum(_proc_rss(c) for c in _proc_descendants(pid))


@dataclass
class Sampler:
    """`with Sampler() as s:` samples until the block ends; `s.samples` = [(t, own, children)]."""

    interval: float = 0.1
    samples: list[tuple[float, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            own, children = tree_rss(pid)
            self.samples.append((time.time(), own, children))
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        own, children = tree_rss()
        self.samples.append((time.time(), own, children))


def peak_in(
    samples: list[list[float]] | list[tuple[float, int, int]], windows: list[tuple[float, float]]
) -> dict[str, int] | None:
    """Peak total (own + children) and peak children RSS over the samples inside any window.

    A window shorter than the sampling interval may hold no sample: then the nearest samples on
    either side stand for it (memory does not vanish between two samples).
    """
    inside = [s for s in samples if any(a <= s[0] <= b for a, b in windows)]
    if not inside and windows and samples:
        for a, b in windows:
            before = [s for s in samples if s[0] < a]
            after = [s for s in samples if s[0] > b]
            inside += before[-1:] + after[:1]
    if not inside:
        return None
    return {"total": max(s[1] + s[2] for s in inside), "children": max(s[2] for s in inside)}
