"""The warehouse on Spark (C360_TARGET=spark) against the hand-made fixture (tests/fixtures/small).

One Spark build for the module: the fixture's raw layer, ingested once for the session's DuckDB
baseline (conftest `published_baseline`), is read in place by dbt on Spark, which builds the same
models and runs the same dbt tests; the quality gates then run in Spark SQL and write their
results to the audit tables there. The Spark build must give the hand-computed KPIs, and the same
identity map, marts and gate verdicts as the DuckDB build.
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
from tests.conftest import kpi_differences, query
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
    """An in-process run of part of the pipeline (no publication: it has no Spark form yet)."""
    from orchestration.definitions import defs

    job = dg.define_asset_job("spark_part", selection=selection)
    definitions = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    with dg.DagsterInstance.ephemeral() as instance:
        return definitions.resolve_job_def("spark_part").execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )


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
    """The baseline's landing and raw layer, built again on Spark, gates run; with its timings."""
    from orchestration.defs.dbt import warehouse_models

    folder = tmp_path_factory.mktemp("spark")
    shutil.copytree(published_baseline, folder, dirs_exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        settings = _spark_settings(folder, mp)
        started = time.perf_counter()
        result = _run(dg.AssetSelection.assets(warehouse_models) | _gates_selection())
        seconds = time.perf_counter() - started
        steps = {
            e.step_key: e.event_specific_data.duration_ms / 1000
            for e in result.all_events
            if e.event_type_value == "STEP_SUCCESS"
        }
        print(f"\nSpark build, dbt tests and gates on the fixture: {seconds:.0f}s; steps: {steps}")
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


def test_kpis_on_spark_are_the_hand_computed_ones(spark_build) -> None:
    settings, _ = spark_build
    rows = _spark_rows(
        settings,
        "select date_format(month, 'yyyy-MM-dd'), kpi, value, numerator, denominator "
        "from marts.kpi_monthly",
    )
    actual = {(m, k): (v, n, d) for m, k, v, n, d in rows}
    assert not kpi_differences(actual, X.EXPECTED_KPIS)


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
    assert {s: p for s, p, _ in recorded} == verdicts


def test_gate_on_spark_blocks_a_broken_input(spark_build, tmp_path: Path) -> None:
    """A copy of the Spark build with one rule broken: a rate above 1 in kpi_monthly, and one
    entity without records in the raw layer. The suites checking those rules fail with their
    findings; only the gates run (no rebuild)."""
    settings, _ = spark_build
    folder = tmp_path / "broken"
    shutil.copytree(settings.warehouse.parent, folder / "warehouse")
    (folder / "landing").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        broken = _spark_settings(folder, mp)
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
        result = _run(_gates_selection())
    verdicts = _check_verdicts(result)
    assert verdicts["kpi_values_in_range"] is False
    assert verdicts["entities_present"] is False
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
