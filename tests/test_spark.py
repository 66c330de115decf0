"""The warehouse on Spark (C360_TARGET=spark) against the hand-made fixture (tests/fixtures/small).

One Spark run of the whole pipeline for the module: the fixture's raw layer, ingested once for the
session's DuckDB baseline (conftest `published_baseline`), is read in place by dbt on Spark, which
builds the same models and runs the same dbt tests; the quality gates run in Spark SQL; the KPIs
are published (an append and a commit row, read through views) and the scorecard drawn. The Spark
run must publish the hand-computed KPIs, with the same identity map, marts and gate verdicts as
the DuckDB build; a failed gate must block with exit 2 and leave the published KPIs as they were.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (the `spark` extra)")
if shutil.which("java") is None:
    pytest.skip("no Java on PATH: Spark runs on a JVM", allow_module_level=True)

# one worker builds the module's Spark warehouse once (the Makefile runs `--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("spark")

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from orchestration.settings import Settings
from tests.conftest import kpi_differences, query, run_pipeline
from tests.fixtures.small import expected as X

MARTS = (
    "customer_identity_map",
    "dim_customer",
    "identity_match_rates",
    "customer_360",
    "fct_customer_mrr_monthly",
    "fct_customer_health_monthly",
    "fct_calls",
    "fct_surveys",
    "kpi_monthly",
)


def _spark_settings(folder: Path, mp: pytest.MonkeyPatch) -> Settings:
    mp.setenv("C360_LANDING_DIR", str(folder / "landing"))
    mp.setenv("C360_WAREHOUSE", str(folder / "warehouse" / "c360.duckdb"))
    mp.delenv("C360_RAW_DIR", raising=False)
    mp.setenv("C360_REPORT_DIR", str(folder / "reports"))
    mp.setenv("C360_TARGET", "spark")
    mp.setenv("C360_SPARK_MASTER", "local[2]")
    mp.setenv("C360_SPARK_SHUFFLE_PARTITIONS", "4")
    return Settings.from_env()


def _run(selection: dg.AssetSelection) -> dg.ExecuteInProcessResult:
    """An in-process run of part of the pipeline, its outcome recorded as `c360 run` records it."""
    from orchestration.definitions import defs
    from orchestration.outcome import finalize_run

    job = dg.define_asset_job("spark_part", selection=selection)
    definitions = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    with dg.DagsterInstance.ephemeral() as instance:
        result = definitions.resolve_job_def("spark_part").execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
        finalize_run(Settings.from_env(), instance, result.run_id)
        return result


def _gates_selection() -> dg.AssetSelection:
    from orchestration.defs.quality import checks

    return dg.AssetSelection.checks(checks.raw_layer_gates, checks.quality_gates)


def _check_verdicts(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        e.check_name: e.passed
        for e in (
            event.asset_check_evaluation_data
            for event in result.all_events
            if event.event_type_value == "ASSET_CHECK_EVALUATION"
        )
    }


@pytest.fixture(scope="module")
def spark_build(published_baseline: Path, tmp_path_factory: pytest.TempPathFactory):
    """The baseline's landing and raw layer, run again on Spark end to end; with its timings."""
    folder = tmp_path_factory.mktemp("spark")
    shutil.copytree(published_baseline, folder, dirs_exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        settings = _spark_settings(folder, mp)
        started = time.perf_counter()
        result = run_pipeline()
        seconds = time.perf_counter() - started
        steps = {
            e.step_key: e.event_specific_data.duration_ms / 1000
            for e in result.all_events
            if e.event_type_value == "STEP_SUCCESS"
        }
        print(f"\nThe pipeline on Spark on the fixture: {seconds:.0f}s; steps: {steps}")
        yield settings, result


def _spark_rows(settings: Settings, sql: str) -> list[tuple]:
    from orchestration.spark import query_frame

    frame = query_frame(settings, sql)
    return [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False)]


def _plain(value):
    """A value as DuckDB's Python client gives it (dates, datetimes, None for missing)."""
    if value is None or value is pd.NaT:
        return None
    if hasattr(value, "to_pydatetime"):  # pandas' Timestamp
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _comparable(rows: list[tuple]) -> list[tuple]:
    """Sorted rows, doubles to 9 significant digits (sums in another order differ in the last)."""

    def cell(v):
        if isinstance(v, float):
            return float(f"{v:.9g}")
        if isinstance(v, dt.datetime) and v.tzinfo is not None:
            return v.replace(tzinfo=None)
        return v

    return sorted((tuple(cell(v) for v in row) for row in rows), key=repr)


def test_build_and_dbt_tests_pass_on_spark(spark_build) -> None:
    from orchestration.defs.quality.checks import SUITES

    _, result = spark_build
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert not failed
    suites = {s.name for s in SUITES}
    dbt_tests = {n: ok for n, ok in _check_verdicts(result).items() if n not in suites}
    assert len(dbt_tests) > 100
    assert not [n for n, ok in dbt_tests.items() if not ok]


def test_spark_publishes_the_hand_computed_kpis(spark_build) -> None:
    """The published KPIs are the ones computed by hand for the fixture (tests/fixtures/small),
    as one publication of this run, logged, and shown as validated in the scorecard."""
    from orchestration.report import report_path
    from orchestration.run import EXIT_PUBLISHED, outcome_of

    settings, result = spark_build
    assert outcome_of(result).exit_code == EXIT_PUBLISHED
    for table in ("marts.kpi_monthly", "published.cco_kpi_monthly"):
        rows = _spark_rows(
            settings,
            "select date_format(month, 'yyyy-MM-dd'), kpi, value, numerator, denominator "
            f"from {table}",
        )
        actual = {(m, k): (v, n, d) for m, k, v, n, d in rows}
        assert not kpi_differences(actual, X.EXPECTED_KPIS), table
    publications = _spark_rows(
        settings, "select distinct run_id from published.cco_kpi_monthly_history"
    )
    assert publications == [(result.run_id,)]
    assert _spark_rows(settings, "select count(*) from published.cco_kpi_restatements") == [(0,)]
    logged = _spark_rows(settings, "select run_id, outcome, kpi_rows from audit.publication_log")
    assert logged == [(result.run_id, "published", len(X.EXPECTED_KPIS))]
    html = report_path(settings).read_text()
    assert f'data-status="validated" data-run-id="{result.run_id}"' in html


def test_identity_map_and_marts_as_on_duckdb(spark_build) -> None:
    settings, _ = spark_build
    duckdb_settings = dataclasses.replace(settings, target="duckdb")
    identity = _spark_rows(
        settings,
        "select source_system, source_id, customer_id, match_rule from marts.customer_identity_map",
    )
    assert sorted(identity) == sorted(X.EXPECTED_IDENTITY)
    different = []
    for table in MARTS:
        columns = [r[0] for r in query(duckdb_settings, f"describe marts.{table}")]
        select = f"select {', '.join(columns)} from marts.{table}"
        on_duckdb = _comparable(query(duckdb_settings, select))
        on_spark = _comparable(_spark_rows(settings, select))
        if on_spark != on_duckdb:
            different.append((table, len(on_duckdb), len(on_spark)))
    assert not different


def test_gates_on_spark_find_what_they_find_on_duckdb(spark_build) -> None:
    """Every suite runs in Spark SQL with the verdict it has on DuckDB (on the fixture, every
    blocking suite passes), and the verdicts are in Spark's audit.gate_results."""
    settings, result = spark_build
    duckdb_settings = dataclasses.replace(settings, target="duckdb")
    from orchestration.defs.quality.checks import SUITES

    names = {s.name for s in SUITES}
    verdicts = {n: ok for n, ok in _check_verdicts(result).items() if n in names}
    assert verdicts.keys() == names
    blocking = {s.name for s in SUITES if s.blocking}
    assert all(verdicts[n] for n in blocking), verdicts
    on_duckdb = query(
        duckdb_settings,
        "select suite, passed from audit.gate_results where suite in "
        f"({', '.join(repr(n) for n in names)})",
    )
    assert verdicts == dict(on_duckdb)
    recorded = _spark_rows(settings, "select suite, passed, summary from audit.gate_results")
    # the run records every check there: the suites, and each dbt test by its name
    assert {s: p for s, p, _ in recorded if s in names} == verdicts


PUBLISHED = ("cco_kpi_monthly", "cco_kpi_monthly_history", "cco_kpi_restatements")


def _published_state(settings: Settings) -> list[list[tuple]]:
    """Every row of every published table: equal means untouched."""
    return [
        sorted(_spark_rows(settings, f"select * from published.{t}"), key=repr) for t in PUBLISHED
    ]


def _copy(settings: Settings, folder: Path, mp: pytest.MonkeyPatch) -> Settings:
    """A copy of the Spark warehouse and raw layer, settings pointed at it."""
    shutil.copytree(settings.warehouse.parent, folder / "warehouse")
    (folder / "landing").mkdir()
    return _spark_settings(folder, mp)


def test_gate_failure_on_spark_blocks_publication(spark_build, tmp_path: Path) -> None:
    """A copy of the Spark warehouse with two rules broken: a rate above 1 in kpi_monthly, and an
    entity without records in the raw layer. The gates run again with the publication after them
    (no rebuild): both suites fail with their findings, the run ends blocked (exit 2), and the
    published KPIs, their history and the restatements stay exactly as they were."""
    from orchestration.defs.publish.assets import publish_kpis
    from orchestration.report import report_path
    from orchestration.run import EXIT_BLOCKED, outcome_of

    settings, _ = spark_build
    with pytest.MonkeyPatch.context() as mp:
        broken = _copy(settings, tmp_path / "broken", mp)
        before = _published_state(broken)
        kpis = broken.spark_warehouse / "marts.db" / "kpi_monthly"
        for path in sorted(p for p in kpis.glob("*.parquet") if not p.name.startswith("_")):
            table = pq.read_table(path).to_pandas()
            rate = table["kpi"] == "abandonment_rate"
            table.loc[rate, "value"] = 1.7
            pq.write_table(pq.read_table(path).from_pandas(table, preserve_index=False), path)
            # the checksum Spark's file system keeps beside each file would no longer match
            (path.parent / f".{path.name}.crc").unlink(missing_ok=True)
        for path in (broken.raw_dir / "crm_contacts").glob("[!_]*.parquet"):
            path.unlink()
        result = _run(_gates_selection() | dg.AssetSelection.assets(publish_kpis))
    outcome = outcome_of(result)
    assert outcome.exit_code == EXIT_BLOCKED, outcome
    assert {"kpi_values_in_range", "entities_present"} <= {c.check for c in outcome.failed_checks}
    assert _published_state(broken) == before
    from orchestration.spark import query_frame

    found = query_frame(
        broken,
        "select suite, summary from audit.gate_results where not passed "
        "and suite in ('kpi_values_in_range', 'entities_present')",
    )
    summaries = dict(zip(found["suite"], found["summary"], strict=True))
    assert (
        "rate_value" in summaries["kpi_values_in_range"]
        and "1.7" in summaries["kpi_values_in_range"]
    )
    assert "valid_records" in summaries["entities_present"]
    logged = query_frame(
        broken,
        "select outcome, failed_checks from audit.publication_log "
        "where run_id = '" + result.run_id + "'",
    )
    assert list(logged["outcome"]) == ["blocked"]
    assert "kpi_values_in_range" in logged["failed_checks"][0]
    assert 'data-status="held_back"' in report_path(broken).read_text()


def test_a_publication_without_its_commit_is_never_seen(spark_build, tmp_path: Path) -> None:
    """A publication that died between its rows and its commit row: readers still see the last
    committed one; the next publication removes the orphaned rows and becomes the current one,
    the history then holding both committed publications."""
    from orchestration.defs.publish import spark_publication

    settings, result = spark_build
    with pytest.MonkeyPatch.context() as mp:
        copy = _copy(settings, tmp_path / "copy", mp)
        before = _published_state(copy)
        at = dt.datetime(2030, 1, 1)
        assert spark_publication.append(copy, "died-before-commit", at) == len(X.EXPECTED_KPIS)
        assert _published_state(copy) == before
        spark_publication.publish(copy, "next", at + dt.timedelta(hours=1))
        runs = _spark_rows(copy, "select distinct run_id from published.cco_kpi_monthly")
        history = _spark_rows(
            copy, "select run_id, count(*) from published.cco_kpi_monthly_history group by run_id"
        )
        appended = spark_publication.folder(copy, spark_publication.APPENDED)
        left = sorted(p.name for p in appended.glob("run_id=*"))
    assert runs == [("next",)]
    assert sorted(history) == sorted((r, len(X.EXPECTED_KPIS)) for r in (result.run_id, "next"))
    assert left == sorted(f"run_id={r}" for r in (result.run_id, "next"))
