"""On generated data at 10,000 customers, every KPI cell built on Spark equals the DuckDB run.

tests/test_spark.py proves the Spark target on the hand-made fixture: 187 records, where every
join has a handful of rows, every aggregate a handful of inputs and most shuffle partitions are
empty. Here the demo generator writes 10,000 customers (about 125,000 landing records, with its
deliberate mess: re-deliveries, malformed lines), enough that Spark's joins, windows and
aggregates run over several partitions with thousands of rows each, that identity resolution
matches on every rule (ids, e-mail, phone, billing-only customers), and that every KPI has a
value in every month (the first month's movements excepted: they need a month before); and
still small enough for the module to run in minutes on two cores.

The landing is ingested once, and `marts.kpi_monthly` with the models it depends on built on
DuckDB, as real in-process Dagster runs; dbt on Spark (`C360_TARGET=spark`, its warehouse beside
the DuckDB file) then builds the same models over the same raw layer, read in place.
Every (month, kpi) cell of both must agree: value, numerator and denominator, nulls in the same
places, doubles to 1e-9 relative (a sum taken in another order differs in the last digits).
dbt's tests and the quality gates on Spark are proven by test_spark.py; they are not run here.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import shutil
import time

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (the `spark` extra)")
if shutil.which("java") is None:
    pytest.skip("no Java on PATH: Spark runs on a JVM", allow_module_level=True)

# one worker builds the module's two warehouses once (the Makefile runs `--dist loadgroup`)
pytestmark = pytest.mark.xdist_group("spark_generated")

import dagster as dg
import duckdb

from orchestration.settings import DBT_PROJECT_DIR, Settings
from tests.conftest import point_settings_at, query

CUSTOMERS = 10_000
# Six months keep the module fast (Spark's time grows with the rows of every model, and the
# months multiply the invoice lines, calls and monthly MRR rows) while still giving each KPI a
# previous month (churn, NRR, GRR, movements) and customers who churn and come back.
MONTHS = 6
SEED = 20_261_101
AS_OF = dt.date(2026, 11, 1)  # pinned, so the data and the reported months never move

KPIS = "select cast(month as varchar), kpi, value, numerator, denominator from marts.kpi_monthly"


def _reported_months() -> list[str]:
    """The complete months of the generated window: from its first month to the month before
    the as-of month (int_calendar__reported_months)."""
    months = []
    for back in range(MONTHS, 0, -1):
        year, month = divmod(AS_OF.year * 12 + AS_OF.month - 1 - back, 12)
        months.append(dt.date(year, month + 1, 1).isoformat())
    return months


def _catalogue_kpis() -> list[str]:
    with (DBT_PROJECT_DIR / "seeds" / "kpi_catalogue.csv").open(newline="") as file:
        return [row["kpi"] for row in csv.DictReader(file)]


def _run(name: str, selection: dg.AssetSelection) -> tuple[dg.ExecuteInProcessResult, float]:
    """An in-process run of part of the pipeline on the current settings, and its seconds."""
    from orchestration.definitions import defs

    job = dg.define_asset_job(name, selection=selection)
    definitions = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    started = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        result = definitions.resolve_job_def(name).execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    return result, time.perf_counter() - started


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]


def _step_seconds(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    return {
        e.step_key: e.event_specific_data.duration_ms / 1000
        for e in result.all_events
        if e.event_type_value == "STEP_SUCCESS"
    }


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        e.asset_key.to_user_string()
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory):
    """Generated landing, ingested and built on DuckDB, then built again on Spark over the same
    raw layer: (DuckDB settings, Spark settings, seconds of each part)."""
    from orchestration.defs.dbt import warehouse_models
    from orchestration.defs.ingestion import ingest
    from sources.generate import generate

    folder = tmp_path_factory.mktemp("spark_generated")
    seconds = {}
    started = time.perf_counter()
    generate(folder / "landing", customers=CUSTOMERS, months=MONTHS, seed=SEED, as_of=AS_OF)
    seconds["generate"] = time.perf_counter() - started
    kpi_monthly = next(k for k in warehouse_models.keys if k.path[-1] == "kpi_monthly")
    # The same models on both targets: those kpi_monthly is built from. No checks are selected,
    # so dagster-dbt selects these models alone (no data tests), and their unit tests, which dbt
    # would still run, are left out too (about 45 s on Spark): tests/test_spark.py runs both.
    models = (
        dg.AssetSelection.assets(kpi_monthly).upstream()
        & dg.AssetSelection.assets(warehouse_models)
    ).without_checks()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
        on_duckdb = point_settings_at(folder, mp)
        result, seconds["duckdb"] = _run(
            "duckdb_build", (dg.AssetSelection.assets(ingest) | models).without_checks()
        )
        assert not _failures(result), _failures(result)
        assert kpi_monthly.to_user_string() in _materialized(result)
        steps = {f"duckdb {step}": s for step, s in _step_seconds(result).items()}
        # Spark reads the raw layer ingestion wrote, in place; its warehouse is beside DuckDB's
        mp.setenv("C360_TARGET", "spark")
        mp.setenv("C360_SPARK_MASTER", "local[2]")
        mp.setenv("C360_SPARK_SHUFFLE_PARTITIONS", "4")
        on_spark = Settings.from_env()
        assert on_spark.raw_dir == on_duckdb.raw_dir
        result, seconds["spark"] = _run("spark_build", models)
        assert not _failures(result), _failures(result)
        assert kpi_monthly.to_user_string() in _materialized(result)
        steps |= {f"spark {step}": s for step, s in _step_seconds(result).items()}
        print("\nsteps (s): " + ", ".join(f"{step} {s:.0f}" for step, s in steps.items()))
        yield on_duckdb, on_spark, seconds


def _spark_kpis(settings: Settings) -> list[tuple]:
    """kpi_monthly as Spark wrote it: its table's Parquet files (the files Spark lists: names
    starting with `_` or `.` are not data), read without starting a second JVM in this process,
    which costs about a minute on a busy machine."""
    folder = settings.spark_warehouse / "marts.db" / "kpi_monthly"
    files = sorted(str(p) for p in folder.glob("*.parquet") if not p.name.startswith(("_", ".")))
    assert files, f"no Parquet files in {folder}"
    with duckdb.connect() as con:
        return con.execute(KPIS.replace("marts.kpi_monthly", "read_parquet(?)"), [files]).fetchall()


def _same(a: float | None, b: float | None) -> bool:
    """Equal, or both null; doubles to 1e-9 relative (and 1e-9 absolute where a sum cancels to
    about zero, which another order of addition leaves as a tiny remainder)."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_every_kpi_cell_on_spark_equals_duckdb(builds) -> None:
    on_duckdb, on_spark, seconds = builds
    started = time.perf_counter()
    duckdb_rows = query(on_duckdb, KPIS)
    spark_rows = _spark_kpis(on_spark)
    seconds["read"] = time.perf_counter() - started
    on_duckdb_cells = {(m, k): (v, n, d) for m, k, v, n, d in duckdb_rows}
    on_spark_cells = {(m, k): (v, n, d) for m, k, v, n, d in spark_rows}
    # one row per cell on each side, and every KPI of the catalogue in every reported month
    assert len(on_duckdb_cells) == len(duckdb_rows) and len(on_spark_cells) == len(spark_rows)
    expected = {(m, k) for m in _reported_months() for k in _catalogue_kpis()}
    assert len(expected) == 27 * MONTHS
    assert on_duckdb_cells.keys() == expected
    assert on_spark_cells.keys() == expected
    # the comparison is of numbers, not of nulls: a value is missing only in the first month,
    # for the KPIs that compare a month with the one before
    first = _reported_months()[0]
    assert {m for (m, _), (v, _, _) in on_duckdb_cells.items() if v is None} <= {first}
    different = {
        cell: (on_spark_cells[cell], wanted)
        for cell, wanted in sorted(on_duckdb_cells.items())
        if not all(_same(s, d) for s, d in zip(on_spark_cells[cell], wanted, strict=True))
    }
    values = sum(v is not None for cell in on_duckdb_cells.values() for v in cell)
    print(
        f"\n{len(expected)} KPI cells compared ({values} non-null numbers), "
        f"{CUSTOMERS:,} customers over {MONTHS} months; seconds: "
        + ", ".join(f"{step} {s:.0f}" for step, s in seconds.items())
        + "; load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    )
    assert not different, different
