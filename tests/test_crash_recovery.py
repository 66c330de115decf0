"""Crashes and concurrent runs: real `c360 run` processes, killed or started side by side.

Kill points are found by watching each run's own output (no sleeps tuned to a machine): the
process is SIGKILLed when it prints the line that shows it is inside the stage. The next run,
with the same DAGSTER_HOME and warehouse, must finish by itself and publish the KPIs computed by
hand for the fixture (tests/fixtures/small/expected.py), with the publication's audit row and
the BI serving copy in step with the published table.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import PROJECT_ROOT, Settings
from tests.conftest import SMALL_LANDING, kpi_differences, query
from tests.fixtures.small import expected as X

RUN_TIMEOUT = 1200  # seconds: a generous bound for a shared, loaded machine, not a speed claim


class Run:
    """A `c360 run` subprocess whose output is read line by line as it comes."""

    def __init__(self, env: dict[str, str], verbose: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "run"] + (["--verbose"] if verbose else []),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: cleaned up with it
        )
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = RUN_TIMEOUT) -> str:
        """Block until a line matches `pattern`; fail if the run ends first."""
        regex = re.compile(pattern)
        with self._seen:
            checked = 0
            while True:
                for line in self.lines[checked:]:
                    if regex.search(line):
                        return line
                checked = len(self.lines)
                if not self._reader.is_alive():
                    raise AssertionError(f"run ended before {pattern!r}:\n{self.output[-3000:]}")
                if not self._seen.wait(timeout):
                    raise AssertionError(
                        f"no {pattern!r} within {timeout}s:\n{self.output[-3000:]}"
                    )

    def finish(self, timeout: float = RUN_TIMEOUT) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(30)
        return code

    def kill(self) -> None:
        """SIGKILL the run itself (its children, like dbt, are orphaned, as in a real crash)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(60)
        self._reader.join(60)

    def cleanup(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # orphans of this run's own group only


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    shutil.copytree(SMALL_LANDING, tmp_path / "landing")
    environment = dict(os.environ)
    environment.update(
        C360_LANDING_DIR=str(tmp_path / "landing"),
        C360_WAREHOUSE=str(tmp_path / "warehouse" / "c360.duckdb"),
        C360_REPORT_DIR=str(tmp_path / "reports"),
        C360_TARGET="duckdb",
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
        PYTHONUNBUFFERED="1",
    )
    environment.pop("C360_RAW_DIR", None)
    yield environment


def start(env: dict[str, str], started: list[Run], verbose: bool = False) -> Run:
    """A `c360 run`; verbose when the test watches the log for a kill point."""
    run = Run(env, verbose)
    started.append(run)  # so that the test cleans it up whatever happens
    return run


def settings_of(env: dict[str, str]) -> Settings:
    warehouse = Path(env["C360_WAREHOUSE"])
    return Settings(
        landing_dir=Path(env["C360_LANDING_DIR"]),
        warehouse=warehouse,
        raw_dir=warehouse.parent / "raw",
        target="duckdb",
        report_dir=Path(env["C360_REPORT_DIR"]),
    )


def assert_published_like_a_clean_run(env: dict[str, str], run: Run, code: int) -> None:
    assert code == 0, run.output[-4000:]
    assert "PUBLISHED" in run.output and "Traceback" not in run.output, run.output[-4000:]
    settings = settings_of(env)
    rows = query(
        settings,
        "select strftime(month, '%Y-%m-%d'), kpi, value, numerator, denominator, run_id "
        "from published.cco_kpi_monthly",
    )
    actual = {(m, k): (v, n, d) for m, k, v, n, d, _ in rows}
    assert not kpi_differences(actual, X.EXPECTED_KPIS)
    [published_run] = {r[-1] for r in rows}
    # the publication unit is whole: its audit row, and the serving copy serves it
    [(logged,)] = query(
        settings,
        f"select count(*) from audit.publication_log where run_id = '{published_run}' "
        "and outcome = 'published'",
    )
    assert logged == 1
    serving = settings.warehouse.parent / "serving" / "c360_serving.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        [(served,)] = con.sql("select published_run_id from serving_refresh").fetchall()
    assert served == published_run


def assert_a_progress_view_and_a_full_log(output: str) -> None:
    """Without --verbose a run shows its stages, not Dagster's and dbt's ~900 lines of log."""
    assert len(output.splitlines()) < 60, output
    for stage in ("ingestion done", "dbt build (models and tests) done", "quality gates done"):
        assert stage in output, output
    assert re.search(r"dbt \d+/\d+ nodes", output), output
    assert "publication done" in output and "CCO scorecard done" in output, output
    [log] = re.findall(r"full log: (\S+)", output)
    full = Path(log).read_text()
    assert "OK created sql table model marts.kpi_monthly" in full  # dbt's own lines
    assert " - dagster - INFO - c360_pipeline - " in full  # and Dagster's


# The line that shows a run is inside each stage, and what it means.
KILL_POINTS = {
    "ingestion": r" - \w+: \d+ file\(s\) ingested",
    "dbt build": r"START sql table model marts\.",
    "publish (table swapped, not yet logged)": r"replaced published\.cco_kpi_monthly",
    "serving refresh": r"refreshing the BI serving copy",
}


def test_a_killed_run_never_blocks_the_next_one(env: dict[str, str]) -> None:
    runs: list[Run] = []
    try:
        for stage, marker in KILL_POINTS.items():
            victim = start(env, runs, verbose=True)
            victim.wait_for(marker)
            victim.kill()
            assert victim.proc.returncode == -signal.SIGKILL, stage
            after = start(env, runs)
            code = after.finish()
            assert_published_like_a_clean_run(env, after, code)
    finally:
        for run in runs:
            run.cleanup()


def test_two_runs_at_once_one_publishes_the_other_waits(env: dict[str, str]) -> None:
    runs: list[Run] = []
    try:
        first, second = start(env, runs), start(env, runs)
        codes = [first.finish(), second.finish()]
        outputs = [first.output, second.output]
        assert codes == [0, 0], outputs
        assert all("Traceback" not in out for out in outputs), outputs
        # exactly one of them waited for the other, and said for whom and since when
        waited = [out for out in outputs if "waiting for the warehouse lock" in out]
        assert len(waited) == 1, outputs
        assert re.search(r"since \d\d:\d\d:\d\d UTC: held by pid \d+ .*: c360 run", waited[0])
        assert_published_like_a_clean_run(env, second, codes[1])
        assert_a_progress_view_and_a_full_log(first.output)

        # A BI tool holding the DuckDB file (read-only) makes the next run wait, saying so ...
        reader = duckdb.connect(env["C360_WAREHOUSE"], read_only=True)
        try:
            waiting = start(env, runs)
            line = waiting.wait_for(r"waiting for the warehouse .* another process has it open")
            assert f"pid {os.getpid()}" in line, line
            # ... and a run that may not wait for the writer refuses clearly, without a traceback
            refused = start(env | {"C360_LOCK_WAIT_SECONDS": "0"}, runs)
            assert refused.finish() == 1, refused.output
            assert "REFUSED" in refused.output and "Traceback" not in refused.output
            assert "is being written by another run" in refused.output
        finally:
            reader.close()
        code = waiting.finish()
        assert "the warehouse is free after" in waiting.output
        assert_published_like_a_clean_run(env, waiting, code)
    finally:
        for run in runs:
            run.cleanup()


@pytest.mark.parametrize("signum", [signal.SIGTERM])
def test_sigterm_stops_a_run_cleanly(env: dict[str, str], signum: signal.Signals) -> None:
    runs: list[Run] = []
    try:
        victim = start(env, runs, verbose=True)
        victim.wait_for(KILL_POINTS["dbt build"])
        victim.proc.send_signal(signum)
        assert victim.finish() == 1, victim.output[-4000:]
        assert "STOPPED" in victim.output and "PUBLISHED" not in victim.output
        after = start(env, runs)
        assert_published_like_a_clean_run(env, after, after.finish())
        assert "Traceback" not in victim.output, victim.output[-4000:]
    finally:
        for run in runs:
            run.cleanup()
