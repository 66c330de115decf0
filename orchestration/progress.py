"""What `c360 run` shows while the pipeline runs: one line per stage, the dbt build's progress,
the time elapsed and an estimate of the time left. The full Dagster and dbt log (about 900 lines
for the demo) goes to a log file, and to the terminal as well with `--verbose`.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from pathlib import Path
from typing import Self, TextIO

# A Dagster console line: "<time> - dagster - <LEVEL> - <job> - <run id> - <step> - <message>"
DAGSTER_LINE = re.compile(
    r" - dagster - (?P<level>[A-Z]+) - [\w.]+ - [0-9a-f-]{36} - (?P<rest>.*)$"
)
STEP_MESSAGE = re.compile(r"^(?:\d+ - )?(?P<step>[\w.]+) - (?P<message>.*)$")  # DEBUG: a pid first
# dbt's own result lines: "12 of 273 OK created sql table model ...", "40 of 273 PASS not_null_..."
DBT_RESULT = re.compile(
    r"^\s*(?P<done>\d+) of (?P<total>\d+) (?P<status>OK|PASS|WARN|ERROR|FAIL|SKIP)(?! hook)"
)
INGESTED = re.compile(
    r"(?P<table>\w+): .*?(?P<loaded>\d+) records loaded, (?P<rejected>\d+) rejected"
)

STAGES = {
    "ingest": "ingestion",
    "warehouse_models": "dbt build (models and tests)",
    "raw_layer_gates": "quality gates on the raw layer",
    "quality_gates": "quality gates",
    "publish_kpis": "publication",
    "report__cco_scorecard": "CCO scorecard",
}
REPORT_EVERY_SECONDS = 15  # at most one progress line per stage this often (plus stage changes)


class RunConsole:
    """Sends everything written to stdout/stderr inside the block to `log_path`, and shows the
    progress lines on the terminal (or everything, when verbose)."""

    def __init__(
        self, log_path: Path, verbose: bool = False, expected_seconds: float | None = None
    ) -> None:
        self.log_path = log_path
        self.verbose = verbose
        self.expected_seconds = expected_seconds
        self.started = time.monotonic()
        self._stage: str | None = None
        self._stage_started = self.started
        self._last_report = 0.0
        self._loaded = self._rejected = 0
        self._entities: set[str] = set()
        self._dbt_done = 0
        self._dbt_first = self.started
        self._pending = ""
        self._lock = threading.Lock()  # ingestion logs from several threads at once

    def __enter__(self) -> Self:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("a", encoding="utf-8")
        self._terminal: TextIO = sys.stdout
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = sys.stderr = _Tee(self)
        if not self.verbose:
            self.say(f"  full log: {self.log_path}")
            self.say(f"{self._clock()} loading the pipeline …{self._left()}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pending:
            self._take(self._pending + "\n")
        self._finish_stage()
        sys.stdout, sys.stderr = self._saved
        self._log.close()

    def say(self, text: str) -> None:
        """A line for the person at the terminal (and the log)."""
        self._log.write(text + "\n")
        self._terminal.write(text + "\n")
        self._terminal.flush()

    def write(self, text: str) -> None:
        with self._lock:
            self._pending += text
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                self._take(line + "\n")

    def _take(self, line: str) -> None:
        self._log.write(line)
        self._log.flush()
        if self.verbose:
            self._terminal.write(line)
            self._terminal.flush()
            return
        self._track(line.rstrip("\n"))

    def _track(self, line: str) -> None:
        if match := DAGSTER_LINE.search(line):
            step = STEP_MESSAGE.match(match["rest"])
            if step and step["step"] in STAGES:
                self._enter_stage(step["step"])
                if step["step"] == "ingest" and (ingested := INGESTED.search(step["message"])):
                    self._entities.add(ingested["table"])
                    self._loaded += int(ingested["loaded"])
                    self._rejected += int(ingested["rejected"])
        elif (result := DBT_RESULT.match(line)) and self._stage == "warehouse_models":
            self._dbt_done += 1
            self._report_dbt(self._dbt_done, int(result["total"]))

    def _enter_stage(self, step: str) -> None:
        if step == self._stage:
            return
        self._finish_stage()
        self._stage, self._stage_started, self._last_report = step, time.monotonic(), 0.0
        self.say(f"{self._clock()} {STAGES[step]} …{self._left()}")

    def _finish_stage(self) -> None:
        if self._stage is None:
            return
        took = time.monotonic() - self._stage_started
        detail = ""
        if self._stage == "ingest":
            detail = (
                f": {len(self._entities)} entities, {self._loaded:,} records loaded, "
                f"{self._rejected:,} rejected"
            )
        self.say(f"{self._clock()} {STAGES[self._stage]} done in {took:.0f}s{detail}")
        self._stage = None

    def _report_dbt(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done == 1:
            self._dbt_first = now  # dbt starts and parses first: the rate counts from here
        if done < total and now - self._last_report < REPORT_EVERY_SECONDS:
            return
        self._last_report = now
        eta = ""
        if 10 <= done < total:  # a rate from fewer nodes says little
            left = (now - self._dbt_first) / (done - 1) * (total - done)
            eta = f", about {left:.0f}s left in this stage"
        self.say(f"{self._clock()}   dbt {done}/{total} nodes ({100 * done // total} %){eta}")

    def _clock(self) -> str:
        elapsed = int(time.monotonic() - self.started)
        return f"[{elapsed // 60:2d}:{elapsed % 60:02d}]"

    def _left(self) -> str:
        if not self.expected_seconds:
            return ""
        left = self.expected_seconds - (time.monotonic() - self.started)
        return f" (about {max(left, 0):.0f}s left, judging by the last run)" if left > 0 else ""


class _Tee:
    """A text stream that hands what it is given to the console, line by line."""

    def __init__(self, console: RunConsole) -> None:
        self._console = console

    def write(self, text: str) -> int:
        self._console.write(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"
