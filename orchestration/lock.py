"""One writer per warehouse: an exclusive lock on a file beside the warehouse.

`flock` ties the lock to an open file, so the kernel releases it when its holder dies, however it
died (SIGKILL included): a crashed run never leaves a lock behind. The lock file also says who
holds it (pid, host, since when, what), so that a second run can say what it waits for.

The lock is re-entrant within a process: `c360 run` holds it for the whole run, and the steps it
executes in the same process take it again without waiting on themselves. Steps executed in
their own processes (the multiprocess executor, runs launched from the UI) take it per step.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.settings import Settings

_held: dict[Path, int] = {}  # lock path -> nesting depth, for this process
_guard = threading.Lock()


class WarehouseBusy(Exception):
    """Another process holds the warehouse lock and we were asked not to wait (long enough)."""


def lock_path(settings: Settings) -> Path:
    """Beside the DuckDB file; with PostgreSQL the same path names the warehouse these settings
    write (its raw layer lives beside it too)."""
    return settings.warehouse.with_name(settings.warehouse.name + ".lock")


def holder(path: Path) -> str:
    """Who holds (or last held) the lock, as the lock file says."""
    try:
        return path.read_text().strip() or "unknown process"
    except OSError:
        return "unknown process"


@contextmanager
def warehouse_lock(
    settings: Settings,
    purpose: str,
    timeout: float | None = None,
    on_wait: Callable[[str], None] = lambda message: print(message, flush=True),
    wait_report_every: float = 30.0,
) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait for it (saying so) up to `timeout` seconds."""
    path = lock_path(settings)
    with _guard:
        if _held.get(path):
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _acquire(fd, path, purpose, timeout, on_wait, wait_report_every)
        os.ftruncate(fd, 0)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.pwrite(
            fd,
            f"pid {os.getpid()} on {socket.gethostname()} since {stamp}: {purpose}\n".encode(),
            0,
        )
        with _guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _guard:
                _held.pop(path, None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(
    fd: int,
    path: Path,
    purpose: str,
    timeout: float | None,
    on_wait: Callable[[str], None],
    report_every: float,
) -> None:
    started = time.monotonic()
    since = dt.datetime.now(dt.UTC).strftime("%H:%M:%S UTC")
    next_report = 0.0
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if next_report:
                on_wait(f"warehouse lock acquired after {time.monotonic() - started:.0f}s")
            return
        except BlockingIOError:
            pass
        waited = time.monotonic() - started
        if timeout is not None and waited >= timeout:
            raise WarehouseBusy(
                f"the warehouse {path.with_suffix('')} is being written by another run "
                f"({holder(path)}); {purpose} did not start. Try again when it has finished."
            )
        if waited >= next_report:
            on_wait(
                f"waiting for the warehouse lock {path} since {since}: held by {holder(path)} "
                f"({purpose} starts when it is released)"
            )
            next_report = waited + report_every
        time.sleep(0.5)
