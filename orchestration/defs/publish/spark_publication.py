"""The publication on Spark, where Parquet tables have no transactions: an append, then a commit.

1. The publication's KPI rows are appended to `published.cco_kpi_monthly_appended`, in a folder of
   their own (`run_id=<run>/`) holding one file.
2. Then one row is appended to `published.cco_kpi_publications`: the commit. It is one small file,
   which appears whole (a rename) or not at all.

Readers never read those two tables for KPIs. They read three views, the same names and columns
as the tables the other targets hold (the dbt source `published`):
- `cco_kpi_monthly_history`: the appended rows of committed publications only;
- `cco_kpi_monthly`: the history rows of the latest publication in it;
- `cco_kpi_restatements`: computed from that history by the same query the other targets run.

A reader therefore sees the previous publication or the new one, whole, never a mix: rows without
a commit are invisible, and a commit whose rows a reader has not listed yet does not move the
views either (the history holds only runs whose rows it can read). A publication that died before
its commit leaves an invisible folder, which the next publication removes.

The views live in the catalog of each process's Spark session (orchestration/spark.py declares
them with the tables); on a cluster with a shared metastore they are declared once.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from pathlib import Path

from orchestration.defs.publish.statements import (
    CURRENT,
    HISTORY,
    KPI_COLUMNS,
    RESTATEMENTS,
    RESTATEMENTS_SQL,
    PublishedTableChanged,
    published_tables,
)
from orchestration.defs.quality.relations import project_relations
from orchestration.settings import Settings

SCHEMA = "published"
APPENDED = "cco_kpi_monthly_appended"
COMMITS = "cco_kpi_publications"
COMMIT_COLUMNS = "run_id string, published_at timestamp_ntz, kpi_rows bigint"


def folder(settings: Settings, table: str) -> Path:
    return settings.spark_warehouse / f"{SCHEMA}.db" / table


def publish(settings: Settings, run_id: str, published_at: dt.datetime) -> int:
    """Append this run's KPIs, then commit them; the number of KPI rows published."""
    count = append(settings, run_id, published_at)
    commit(settings, run_id, published_at, count)
    return count


def append(settings: Settings, run_id: str, published_at: dt.datetime) -> int:
    """The first half: this run's KPIs written beside the others, invisible until committed."""
    from pyspark.sql import functions as F

    from orchestration.spark import declare_tables, session, spark_sql

    spark = session(settings)
    declare_tables(spark, settings)
    relations = project_relations()
    history = published_tables(relations)[HISTORY]
    _require_unchanged(spark, history.columns)
    remove_uncommitted(settings)

    candidate, _ = relations.render(f"select {KPI_COLUMNS} from {{{{ ref('kpi_monthly') }}}}")
    typed = ", ".join(
        f"cast({name} as {data_type}) as {name}"
        for name, data_type in history.columns
        if name in KPI_COLUMNS.split(", ")
    )
    rows = (
        spark.sql(spark_sql(f"select {typed} from ({candidate}) as candidate"))
        .withColumn("run_id", F.lit(run_id))
        .withColumn("published_at", F.lit(published_at).cast("timestamp_ntz"))
        .select(*(name for name, _ in history.columns))
        .coalesce(1)  # one file: the publication appears in one rename
        .cache()
    )
    count = rows.count()
    rows.write.mode("append").partitionBy("run_id").parquet(str(folder(settings, APPENDED)))
    rows.unpersist()
    return count


def commit(settings: Settings, run_id: str, published_at: dt.datetime, count: int) -> None:
    """The second half: one commit row, which moves the published views to this publication."""
    from orchestration.spark import session

    row = session(settings).createDataFrame([(run_id, published_at, count)], COMMIT_COLUMNS)
    row.coalesce(1).write.mode("append").parquet(str(folder(settings, COMMITS)))


def committed_runs(settings: Settings) -> set[str]:
    """Every run with a commit row (read from the files: this also serves before any view)."""
    import pyarrow.parquet as pq

    commits = folder(settings, COMMITS)
    files = [p for p in commits.glob("*.parquet") if not p.name.startswith(("_", "."))]
    return {r for f in files for r in pq.read_table(f, columns=["run_id"])["run_id"].to_pylist()}


def remove_uncommitted(settings: Settings) -> list[str]:
    """Remove the appended rows of publications that never committed (they died in between).

    Only the publish step calls this, under the warehouse lock, so no publication is in progress.
    """
    appended = folder(settings, APPENDED)
    if not appended.is_dir():
        return []
    committed = committed_runs(settings)
    removed = []
    for part in sorted(appended.glob("run_id=*")):
        if part.name.removeprefix("run_id=") not in committed:
            shutil.rmtree(part)
            removed.append(part.name.removeprefix("run_id="))
    return removed


def _require_unchanged(spark, declared: tuple[tuple[str, str], ...]) -> None:
    """The appended history is never rewritten: its columns must be the declared ones."""
    if not spark.catalog.tableExists(f"{SCHEMA}.{APPENDED}"):
        return
    found = sorted(spark.table(f"{SCHEMA}.{APPENDED}").columns)
    if found != sorted(name for name, _ in declared):
        raise PublishedTableChanged(
            f"{SCHEMA}.{APPENDED} has columns {found}, but the source published declares "
            f"{[name for name, _ in declared]}: the history is never rewritten, so migrate it "
            "by hand first"
        )


@functools.cache  # declared again whenever a table changes: the manifest is read once
def view_statements() -> tuple[str, ...]:
    """The three published views over the appended rows and the commits, in dependency order."""
    relations = project_relations()
    tables = published_tables(relations)
    history_columns = tables[HISTORY].column_list
    restated, _ = relations.render(RESTATEMENTS_SQL.read_text())
    views = {
        HISTORY: f"select {history_columns} from {SCHEMA}.{APPENDED} "
        f"where run_id in (select run_id from {SCHEMA}.{COMMITS})",
        CURRENT: f"select {tables[CURRENT].column_list} from {SCHEMA}.{HISTORY} "
        f"where run_id = (select max_by(run_id, published_at) from {SCHEMA}.{HISTORY})",
        RESTATEMENTS: f"select {tables[RESTATEMENTS].column_list} from ({restated}) as restated",
    }
    return tuple(f"create or replace view {SCHEMA}.{name} as {sql}" for name, sql in views.items())
