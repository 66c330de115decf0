"""Start a run safely after whatever happened before: no human needed after a crash.

`guarded_run` wraps one `c360 run`:
1. opens the Dagster instance without racing another process that creates it at the same time;
2. takes the warehouse lock (one writer; see `orchestration.lock`), saying what it waits for;
3. waits, saying so, while another process (a BI reader) holds the DuckDB file;
4. recovers from runs that died: marks them failed and frees the concurrency slots they still
   claim (otherwise the next run waits for those slots forever), removes their orphan temporary
   files, and completes an interrupted publication (its audit row, the BI serving copy);
5. turns SIGTERM into a clean stop, like SIGINT.

Runs are tagged with the pid and host of the process executing them, which is how a dead run is
told from a live one. Runs launched by the Dagster daemon are watched by Dagster's own run
monitoring (`dagster.yaml`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import gc
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.lock import warehouse_lock
from orchestration.settings import Settings
from sources.atomic import writer_pid

PID_TAG, HOST_TAG, STARTED_TAG = "c360/pid", "c360/host", "c360/process_started"


def run_tags() -> dict[str, str]:
    """Tags for a run executed by this process: they let a later run tell whether it is alive."""
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    started = process_start(os.getpid())
    return tags | ({STARTED_TAG: started} if started else {})


def process_start(pid: int) -> str | None:
    """When a process started (clock ticks since boot, Linux), to tell it from a later process
    that reuses its pid (in a container, every restart may give `c360 run` the same pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22: starttime


def run_process_alive(run: dg.DagsterRun) -> bool:
    pid = int(run.tags[PID_TAG])
    if pid == os.getpid() or not pid_alive(pid):  # this process has not started its run yet
        return False
    started = run.tags.get(STARTED_TAG)
    return started is None or process_start(pid) in (None, started)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _say(message: str) -> None:
    print(message, flush=True)


@contextmanager
def guarded_run(
    settings: Settings, say: Callable[[str], None] = _say
) -> Iterator[dg.DagsterInstance]:
    """The Dagster instance to execute one run with, under the warehouse lock, recovered."""
    with _stop_cleanly_on_sigterm(), warehouse_lock(settings, "c360 run", timeout=wait_limit()):
        wait_for_duckdb_readers(settings, say)
        with open_instance() as instance:
            for line in recover(instance, settings):
                say(line)
            try:
                yield instance
            finally:
                free_slots_of_this_process(instance)


def wait_limit() -> float:
    """How long a run waits for another writer before it gives up (`C360_LOCK_WAIT_SECONDS`)."""
    return float(os.environ.get("C360_LOCK_WAIT_SECONDS") or 6 * 3600)


@contextmanager
def open_instance() -> Iterator[dg.DagsterInstance]:
    """`DagsterInstance.get()`, serialised across processes: two processes creating a new
    instance's database at once race on its schema tables."""
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / ".c360-instance.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        instance = dg.DagsterInstance.get()
    finally:
        os.close(fd)  # releases the lock: the schema exists now
    with instance:
        yield instance


@contextmanager
def _stop_cleanly_on_sigterm() -> Iterator[None]:
    """SIGTERM (a service manager, `kill`) stops the run the way Ctrl-C does: Dagster interrupts
    the current step, stops dbt, and the run ends as failed without publishing anything."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    with quiet_interrupted_dbt_reader():
        try:
            previous = signal.signal(signal.SIGTERM, interrupt)
        except ValueError:  # not the main thread: leave signals alone
            yield
            return
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)


@contextmanager
def quiet_interrupted_dbt_reader() -> Iterator[None]:
    """Drop one known message. When an interruption lands while dagster-dbt hands on a dbt event,
    its stdout reader (a generator) is left suspended, and closing it prints an "Exception
    ignored ... generator ignored GeneratorExit" traceback, though nothing went wrong (dbt is
    stopped: orchestration/defs/dbt.py). Every other unraisable exception is reported as usual."""
    previous = sys.unraisablehook

    def filtered(unraisable: Any) -> None:
        if not (
            isinstance(unraisable.exc_value, RuntimeError)
            and "generator ignored GeneratorExit" in str(unraisable.exc_value)
            and getattr(unraisable.object, "__qualname__", "") == "DbtCliInvocation._stream_stdout"
        ):
            previous(unraisable)

    sys.unraisablehook = filtered
    try:
        yield
    finally:
        gc.collect()  # a reader left behind by an interruption is finalized under the filter
        sys.unraisablehook = previous


def wait_for_duckdb_readers(settings: Settings, say: Callable[[str], None]) -> None:
    """A process holding the DuckDB file (even read-only) stops every writer: wait, saying who
    holds it and since when, rather than fail later inside dbt."""
    if settings.target != "duckdb" or not settings.warehouse.exists():
        return
    import duckdb

    started = time.monotonic()
    since = dt.datetime.now(dt.UTC).strftime("%H:%M:%S UTC")
    next_report = 0.0
    while True:
        try:
            duckdb.connect(str(settings.warehouse)).close()
            if next_report:
                say(f"the warehouse is free after {time.monotonic() - started:.0f}s")
            return
        except duckdb.IOException as exc:
            waited = time.monotonic() - started
            if waited >= wait_limit():
                raise
            if waited >= next_report:
                say(
                    f"waiting for the warehouse {settings.warehouse} since {since}: another "
                    f"process has it open ({_lock_holder(str(exc))}); the run starts when it "
                    "is closed"
                )
                next_report = waited + 30
            time.sleep(1)


def _lock_holder(message: str) -> str:
    """Who holds the DuckDB file (program, pid) as its lock error says, or its first line."""
    found = re.search(r"Conflicting lock is held in (.+?) \(PID (\d+)\)", message)
    if found:
        return f"{found.group(1)}, pid {found.group(2)}"
    return message.splitlines()[0]


def recover(instance: dg.DagsterInstance, settings: Settings) -> list[str]:
    """Repair what runs that died left behind; returns one line per repair made."""
    done = _fail_dead_runs(instance)
    done += _clean_orphan_temp_files(settings)
    from orchestration.publication import complete_interrupted_publication

    done += complete_interrupted_publication(settings)
    return done


def _fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    done = []
    host = socket.gethostname()
    unfinished = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.CANCELING,
            ]
        )
    )
    for run in unfinished:
        pid = run.tags.get(PID_TAG)
        if not pid or run.tags.get(HOST_TAG) != host or run_process_alive(run):
            continue
        instance.report_run_failed(
            run, f"the process running it (pid {pid}) died; marked failed by the next run"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        done.append(f"recovered: run {run.run_id} died (pid {pid}); marked failed")
    # Slots still claimed by runs that have finished (or vanished) hold up every later run.
    for run_id in instance.event_log_storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            done.append(f"recovered: freed the concurrency slots held by ended run {run_id}")
    return done


def free_slots_of_this_process(instance: dg.DagsterInstance) -> None:
    """An interrupted in-process run may exit before it releases its slots: free them now."""
    for run_id in instance.event_log_storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is not None and run.tags.get(PID_TAG) == str(os.getpid()):
            if not run.is_finished:
                instance.report_run_failed(run, "stopped before it finished")
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)


def _clean_orphan_temp_files(settings: Settings) -> list[str]:
    """Temporary files of writers that died (the pid in their name no longer runs)."""
    removed = 0
    folders = [settings.raw_dir, settings.warehouse.parent / "serving", settings.report_dir]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob(".*.tmp*"):
            pid = writer_pid(path)
            if pid is not None and not pid_alive(pid):
                path.unlink(missing_ok=True)
                removed += 1
    return [f"recovered: removed {removed} temporary file(s) left by runs that died"] * bool(
        removed
    )
