"""Shared test fixtures: an isolated landing directory, warehouse and Dagster instance per test."""

from __future__ import annotations

import gzip
import json
import math
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """Prepare the dbt manifest the Definitions are built from, once, before any test loads them.

    Done by the controlling process, before pytest-xdist starts its workers (a worker has
    `workerinput`), so the workers never parse at the same time; a run without workers does it
    itself.
    """
    if not hasattr(config, "workerinput"):
        from orchestration.dbt_manifest import ensure_manifest

        ensure_manifest()


def point_settings_at(
    folder: Path, monkeypatch: pytest.MonkeyPatch, landing_from: Path | None = None
) -> Settings:
    """Point every C360_* setting at `folder` (landing copied from `landing_from` if given)."""
    if landing_from is not None:
        shutil.copytree(landing_from, folder / "landing")
    monkeypatch.setenv("C360_LANDING_DIR", str(folder / "landing"))
    monkeypatch.setenv("C360_WAREHOUSE", str(folder / "warehouse" / "c360.duckdb"))
    monkeypatch.delenv("C360_RAW_DIR", raising=False)
    monkeypatch.setenv("C360_REPORT_DIR", str(folder / "reports"))
    monkeypatch.setenv("C360_TARGET", "duckdb")
    settings = Settings.from_env()
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    return settings


SMALL_LANDING = FIXTURES / "small" / "landing"


@pytest.fixture
def c360_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Every C360_* setting pointed at a fresh folder under tmp_path."""
    return point_settings_at(tmp_path, monkeypatch)


def run_pipeline(job: str = "c360_pipeline") -> dg.ExecuteInProcessResult:
    """A real in-process Dagster run of the whole pipeline on the current settings, its outcome
    recorded as `c360 run` records it (audit tables, scorecard, alerts)."""
    from orchestration.outcome import finalize_run
    from orchestration.run import execute

    with dg.DagsterInstance.ephemeral() as instance:
        result = execute(instance, log_level="WARNING", job=job)
        finalize_run(Settings.from_env(), instance, result.run_id)
        return result


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        con.execute("set file_search_path = ?", [str(settings.raw_dir)])  # for raw.* views
        return con.sql(sql).fetchall()


def write_jsonl(landing: Path, entity: str, delivery: str, name: str, lines: list) -> Path:
    """Write records (dicts, or raw strings for deliberately broken lines) as a JSONL file."""
    folder = landing / entity / delivery
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    path = folder / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def write_text(landing: Path, entity: str, delivery: str, name: str, text: str) -> Path:
    folder = landing / entity / delivery
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def close(actual: float | None, wanted: float | None) -> bool:
    if wanted is None or actual is None:
        return actual is None and wanted is None
    return math.isclose(actual, wanted, rel_tol=1e-6, abs_tol=1e-6)


def kpi_differences(actual: dict, wanted: dict) -> dict:
    """The (month, kpi) cells whose (value, numerator, denominator) differ from the wanted ones,
    e.g. the hand-computed values; both must hold the same cells."""
    assert actual.keys() == wanted.keys()
    return {
        key: (actual[key], want)
        for key, want in wanted.items()
        if not all(close(a, w) for a, w in zip(actual[key], want, strict=True))
    }


def settings_in(folder: Path) -> Settings:
    """Settings for a warehouse under `folder`, without touching the environment."""
    return Settings(
        landing_dir=folder / "landing",
        warehouse=folder / "wh" / "c360.duckdb",
        raw_dir=folder / "wh" / "raw",
        target="duckdb",
        report_dir=folder / "reports",
    )


@contextmanager
def small_landing_restored(settings: Settings) -> Iterator[Path]:
    """The landing directory, restored to the small fixture's afterwards (tests that damage it)."""
    try:
        yield settings.landing_dir
    finally:
        shutil.rmtree(settings.landing_dir)
        shutil.copytree(SMALL_LANDING, settings.landing_dir)


@pytest.fixture(scope="session")
def published_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder (landing, warehouse, raw layer, report) where the small fixture was published once.

    Built once per session; tests that change it work on a copy (`published_copy`)."""
    from orchestration.run import EXIT_PUBLISHED, outcome_of

    folder = tmp_path_factory.mktemp("published_baseline")
    with pytest.MonkeyPatch.context() as mp:
        point_settings_at(folder, mp, landing_from=SMALL_LANDING)
        outcome = outcome_of(run_pipeline())
        assert outcome.exit_code == EXIT_PUBLISHED, outcome
    return folder


@pytest.fixture
def published_copy(
    published_baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """A private copy of the published baseline, every C360_* setting pointed at it."""
    folder = tmp_path / "published"
    shutil.copytree(published_baseline, folder)
    return point_settings_at(folder, monkeypatch)


def published_state(settings: Settings) -> list[list[tuple]]:
    """Every row of every published table, in a fixed order: equal means untouched."""
    return [
        query(settings, f"select * from published.{table} order by all")
        for table in ("cco_kpi_monthly", "cco_kpi_monthly_history", "cco_kpi_restatements")
    ]
