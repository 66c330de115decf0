"""A dbt step stopped between two events ends quietly: dbt is stopped, nothing is printed.

A signal that lands between two of dbt's events (not while dagster-dbt waits for the next line)
leaves dagster-dbt's stdout reader suspended; closing it then makes Python print an "Exception
ignored ... generator ignored GeneratorExit" traceback. These tests stop a real `dbt ls` after
its first event, as such a signal would, and look at what Python reports as unraisable.
"""

from __future__ import annotations

import gc
import sys

import pytest
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt import dbt_executable, dbt_project, stream_to_the_end
from orchestration.recovery import quiet_interrupted_dbt_reader
from orchestration.settings import DBT_PROJECT_DIR, Settings


@pytest.fixture
def unraisable(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(repr(u.exc_value)))
    return seen


def _dbt_ls():
    dbt = DbtCliResource(
        project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
    return dbt.cli(["ls", "--resource-type", "model"], raise_on_error=False)


def test_the_unguarded_stream_prints_a_traceback_when_closed(
    c360_env: Settings, unraisable: list[str]
) -> None:
    # the flaw being guarded against, shown on the bare stream (so the next test can fail)
    invocation = _dbt_ls()
    events = invocation.stream_raw_events()
    next(events)
    events.close()
    gc.collect()
    invocation.process.wait(60)
    assert any("ignored GeneratorExit" in u for u in unraisable), unraisable


def test_a_stream_stopped_between_events_stops_dbt_quietly(
    c360_env: Settings, unraisable: list[str]
) -> None:
    invocation = _dbt_ls()
    events = stream_to_the_end(invocation, invocation.stream_raw_events())
    next(events)
    events.close()  # what the step's end does to a generator a signal left suspended
    gc.collect()
    assert invocation.process.poll() is not None, "dbt still runs"
    assert unraisable == []


def test_a_run_does_not_print_the_readers_complaint_but_prints_others(
    c360_env: Settings, unraisable: list[str]
) -> None:
    # the signal landed inside dagster-dbt, above its reader: what c360 run's guard filters out
    with quiet_interrupted_dbt_reader():
        invocation = _dbt_ls()
        events = invocation.stream_raw_events()
        next(events)
        events.close()
        invocation.process.wait(60)
        sys.unraisablehook(_Unraisable(ValueError("anything else")))
    assert unraisable == ["ValueError('anything else')"]


class _Unraisable:
    def __init__(self, exc: BaseException) -> None:
        self.exc_value, self.exc_type, self.exc_traceback = exc, type(exc), None
        self.err_msg, self.object = None, None
