"""Recovery before a run: a run whose process died stops holding anything the next run needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.recovery import (
    HOST_TAG,
    PID_TAG,
    STARTED_TAG,
    _fail_dead_runs,
    process_start,
    run_tags,
)
from orchestration.settings import Settings
from sources.atomic import temp_name

POOL = "duckdb_warehouse"


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> dg.DagsterRun:
    run = instance.add_run(
        dg.DagsterRun(job_name="c360_pipeline", status=dg.DagsterRunStatus.STARTED, tags=tags)
    )
    status = instance.event_log_storage.claim_concurrency_slot(POOL, run.run_id, "warehouse_models")
    assert status.is_claimed
    return run


def test_a_dead_runs_slot_is_freed_and_a_live_runs_is_kept(tmp_path: Path) -> None:
    overrides = {"concurrency": {"pools": {"default_limit": 1}}}
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=overrides) as instance:
        instance.event_log_storage.set_concurrency_slots(POOL, 1)
        host = run_tags()[HOST_TAG]
        dead = started_run(instance, {PID_TAG: str(dead_pid()), HOST_TAG: host})
        done = _fail_dead_runs(instance)
        assert done == [
            f"recovered: run {dead.run_id} died (pid {dead.tags[PID_TAG]}); marked failed"
        ]
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.event_log_storage.get_concurrency_info(POOL).claimed_slots == []
        # a run whose process is alive keeps its slot; one whose pid now belongs to a later
        # process (pid reuse, e.g. after a container restart) is dead
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        try:
            tags = {PID_TAG: str(other.pid), HOST_TAG: host}
            live = started_run(instance, tags | {STARTED_TAG: process_start(other.pid) or ""})
            assert _fail_dead_runs(instance) == []
            assert instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.STARTED
            instance.event_log_storage.free_concurrency_slots_for_run(live.run_id)
            reused = started_run(instance, tags | {STARTED_TAG: "1"})
            assert [line.split()[2] for line in _fail_dead_runs(instance)] == [reused.run_id]
        finally:
            other.kill()
            other.wait()
        assert instance.event_log_storage.get_concurrency_info(POOL).claimed_slots == []


def test_orphan_temporary_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    from orchestration.recovery import _clean_orphan_temp_files

    settings = Settings(
        tmp_path, tmp_path / "w" / "c360.duckdb", tmp_path / "raw", "duckdb", tmp_path / "r"
    )
    folder = settings.raw_dir / "crm_accounts"
    folder.mkdir(parents=True)
    mine = temp_name(folder / "a.parquet")  # this process is alive: being written
    mine.write_bytes(b"x")
    orphan = folder / f".b.parquet.{dead_pid()}.0123abcd.tmp"
    orphan.write_bytes(b"x")
    assert _clean_orphan_temp_files(settings) == [
        "recovered: removed 1 temporary file(s) left by runs that died"
    ]
    assert mine.exists() and not orphan.exists()
