"""The warehouse lock: one writer, released by the kernel when its holder dies."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.lock import WarehouseBusy, lock_path, warehouse_lock
from orchestration.settings import PROJECT_ROOT, Settings

HOLD = """
import sys, time
from pathlib import Path
from orchestration.lock import warehouse_lock
from orchestration.settings import Settings
s = Settings(Path('.'), Path(sys.argv[1]), Path('.'), 'duckdb', Path('.'))
with warehouse_lock(s, 'a test holder'):
    print('held', flush=True)
    time.sleep(600)
"""


def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path, tmp_path / "c360.duckdb", tmp_path / "raw", "duckdb", tmp_path)


def hold_in_another_process(tmp_path: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "c360.duckdb")],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def test_a_second_writer_refuses_naming_the_holder_until_the_holder_dies(tmp_path: Path) -> None:
    holder = hold_in_another_process(tmp_path)
    try:
        second = warehouse_lock(settings(tmp_path), "a second run", timeout=0)
        with pytest.raises(WarehouseBusy, match=rf"pid {holder.pid} .*a test holder"), second:
            pass
        said: list[str] = []
        patient = warehouse_lock(settings(tmp_path), "a patient run", 1, on_wait=said.append)
        with pytest.raises(WarehouseBusy), patient:
            pass
        assert said and said[0].startswith("waiting for the warehouse lock")
        assert f"held by pid {holder.pid}" in said[0] and "since" in said[0]
    finally:
        holder.send_signal(signal.SIGKILL)  # dies without releasing anything itself
        holder.wait()
    with warehouse_lock(settings(tmp_path), "the next run", timeout=5):
        assert "the next run" in lock_path(settings(tmp_path)).read_text()


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    with warehouse_lock(settings(tmp_path), "c360 run", timeout=0):
        with warehouse_lock(settings(tmp_path), "its dbt step", timeout=0):
            pass
        assert "c360 run" in lock_path(settings(tmp_path)).read_text()


def test_waiting_is_reported_and_ends_when_the_holder_finishes(tmp_path: Path) -> None:
    holder = hold_in_another_process(tmp_path)
    said: list[str] = []
    started = time.monotonic()

    def kill_holder_on_first_report(message: str) -> None:
        said.append(message)
        if len(said) == 1:
            holder.terminate()

    try:
        with warehouse_lock(
            settings(tmp_path), "a waiting run", timeout=120, on_wait=kill_holder_on_first_report
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    assert said[-1].startswith("warehouse lock acquired after"), said
    assert time.monotonic() - started < 120
