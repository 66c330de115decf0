"""The Spark target (C360_TARGET=spark): where its tables live and how a process reads them.

Layout under the Spark warehouse folder (`<warehouse folder>/spark` unless C360_SPARK_WAREHOUSE):
    <schema>.db/<table>/     Parquet files of each table dbt builds (Spark's managed-table layout)
    audit.db/<table>/        the audit trail, appended by the orchestration
    _metastore/              dbt's catalog (an embedded Derby database: one process at a time)

Only dbt opens the catalog. Every other process (the gates, the audit trail, the report) opens
its own Spark session with an in-memory catalog and declares each table folder it finds as an
external table. So a process reading the warehouse never holds the catalog's lock while a dbt
step needs it, and the raw layer is read in place, as dbt reads it.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.settings import Settings

# raw.<table> -> its folder under the raw directory (rejects: one sub-folder per entity)
RAW_TABLES = {
    "crm_accounts": "crm_accounts",
    "crm_contacts": "crm_contacts",
    "billing_customers": "billing_customers",
    "billing_subscriptions": "billing_subscriptions",
    "billing_invoices": "billing_invoices",
    "billing_invoice_lines": "billing_invoice_lines",
    "call_center_calls": "call_center_calls",
    "call_center_surveys": "call_center_surveys",
    "finance_fx_rates": "finance_fx_rates",
    "ingested_files": "_files",
    "rejects": "_rejects",
}

_lock = threading.Lock()
_session: Any = None


def warehouse_dir(settings: Settings) -> Path:
    configured = os.environ.get("C360_SPARK_WAREHOUSE")
    return Path(configured).resolve() if configured else settings.warehouse.parent / "spark"


def export(settings: Settings) -> None:
    """Environment for a dbt-spark subprocess: the warehouse folder and the raw tables' columns."""
    folder = warehouse_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["C360_SPARK_WAREHOUSE"] = str(folder)
    os.environ["C360_SPARK_RAW_COLUMNS"] = json.dumps(raw_columns(settings))


def _spark_type(kind: pa.DataType) -> str:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "string"
    if pa.types.is_int64(kind):
        return "bigint"
    if pa.types.is_integer(kind):
        return "int"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_floating(kind):
        return "double"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_timestamp(kind):  # the warehouse's convention: UTC without time zone
        return "timestamp_ntz" if kind.tz is None else "timestamp"
    raise TypeError(f"no Spark type for Parquet type {kind}")


def _schema_file(folder: Path) -> Path | None:
    marker = folder / "_schema.parquet"
    if marker.exists():
        return marker
    return next(iter(sorted(folder.glob("*.parquet"))), None)


def raw_columns(settings: Settings) -> dict[str, str]:
    """Column list (`name type, ...`) of each raw table, from ingestion's schema files.

    Spark skips files whose names start with `_` when it lists a folder, so a folder holding only
    `_schema.parquet` (an entity without records yet) would have no schema it could infer.
    """
    columns = {}
    for table, folder in RAW_TABLES.items():
        path = settings.raw_dir / folder
        if table == "rejects":
            path = next(iter(sorted(p for p in path.glob("*") if p.is_dir())), path)
        source = _schema_file(path) if path.is_dir() else None
        if source is None:
            continue
        schema = pq.read_schema(source)
        columns[table] = ", ".join(f"`{f.name}` {_spark_type(f.type)}" for f in schema)
    return columns


def session(settings: Settings):
    """The process's Spark session (created once, reused): in-memory catalog, quiet logs."""
    global _session
    with _lock:
        if _session is None:
            from pyspark.sql import SparkSession

            folder = warehouse_dir(settings)
            folder.mkdir(parents=True, exist_ok=True)
            builder = SparkSession.builder.appName("c360").master(
                os.environ.get("C360_SPARK_MASTER", "local[*]")
            )
            for key, value in {
                "spark.sql.catalogImplementation": "in-memory",
                "spark.sql.warehouse.dir": str(folder),
                "spark.driver.memory": os.environ.get("C360_SPARK_DRIVER_MEMORY", "2g"),
                "spark.sql.shuffle.partitions": os.environ.get(
                    "C360_SPARK_SHUFFLE_PARTITIONS", "4"
                ),
                "spark.sql.session.timeZone": "UTC",
                "spark.sql.timestampType": "TIMESTAMP_NTZ",  # as dbt-spark runs the models
                "spark.sql.ansi.enabled": "false",  # as dbt-spark runs the models
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
            }.items():
                builder = builder.config(key, value)
            _session = builder.getOrCreate()
            _session.sparkContext.setLogLevel("ERROR")
        return _session


def declare_tables(spark, settings: Settings) -> None:
    """Declare every table folder of the warehouse and the raw layer as an external table.

    Checked before each use, since dbt may have rewritten a table's files; a table is declared
    again only when its files changed (declaring one reads its Parquet footers).
    """
    folder = warehouse_dir(settings)
    _forget_other_warehouse(spark, folder)
    changed = False
    for schema_dir in sorted(folder.glob("*.db")):
        schema = schema_dir.name.removesuffix(".db")
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            files = _files(table_dir)
            if files and _declare(spark, f"`{schema}`.`{table_dir.name}`", files, table_dir, ""):
                changed = True
    for table, columns in raw_columns(settings).items():
        location = settings.raw_dir / RAW_TABLES[table]
        options = " options (recursiveFileLookup 'true')" if table == "rejects" else ""
        if _declare(spark, f"raw.`{table}`", _files(location), location, options, columns):
            changed = True
    if not changed:
        return
    spark.catalog.clearCache()
    _declare_published_view(spark)
    _declare_information_schema(spark)


def _declare_information_schema(spark) -> None:
    """`information_schema.tables` (schema and name of every table and view), which the report
    reads on every target to see what exists; Spark's in-memory catalog has none of its own."""
    rows = [
        (database.name, table.name)
        for database in spark.catalog.listDatabases()
        if database.name not in ("default", "information_schema")
        for table in spark.catalog.listTables(database.name)
        if not table.isTemporary
    ]
    spark.sql("create database if not exists information_schema")
    values = ", ".join(f"('{schema}', '{name}')" for schema, name in rows) or "('', '')"
    spark.sql(
        "create or replace view information_schema.tables as select * from "
        f"(values {values}) as t(table_schema, table_name) where table_name <> ''"
    )


_declared_for: Path | None = None
_declared: dict[str, frozenset] = {}  # table -> the files it was declared over


def _files(folder: Path) -> frozenset:
    return frozenset((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*.parquet"))


def _declare(
    spark, table: str, files: frozenset, location: Path, options: str, columns: str = ""
) -> bool:
    if _declared.get(table) == files:
        return False
    spark.sql(f"create database if not exists {table.split('.')[0]}")
    spark.sql(f"drop table if exists {table}")
    spark.sql(
        f"create table {table} {f'({columns})' if columns else ''} using parquet "
        f"location '{_quote(location)}'{options}"
    )
    _declared[table] = files
    return True


def _forget_other_warehouse(spark, folder: Path) -> None:
    """A process that switches warehouses (the tests) drops the catalog entries of the last one.

    Only catalog entries: every table declared here is external, so no file is touched.
    """
    global _declared_for
    if _declared_for in (None, folder):
        _declared_for = folder
        return
    for database in spark.catalog.listDatabases():
        if database.name == "default":
            continue
        for table in spark.catalog.listTables(database.name):
            kind = "view" if table.tableType == "VIEW" else "table"
            if table.tableType in ("EXTERNAL", "VIEW"):
                spark.sql(f"drop {kind} if exists `{database.name}`.`{table.name}`")
    _declared.clear()
    _declared_for = folder


# Columns of published.cco_kpi_monthly, in order.
PUBLISHED_COLUMNS = ["month", "kpi", "value", "numerator", "denominator", "run_id", "published_at"]


def _declare_published_view(spark) -> None:
    """`published.cco_kpi_monthly`: the newest committed publication (macros/spark_publication.sql).

    Plain Parquet has no transactions, so a publication is appended to the history (a partition
    of its own) and then committed by one row in `published.cco_kpi_monthly_publications`. The
    view reads only the partition named by the newest commit: a reader sees the previous
    publication or the new one, never part of one.
    """
    if not spark.catalog.databaseExists("published"):
        return
    tables = {t.name: t.tableType for t in spark.catalog.listTables("published")}
    if not {"cco_kpi_monthly_history", "cco_kpi_monthly_publications"} <= tables.keys():
        return
    if tables.get("cco_kpi_monthly", "VIEW") != "VIEW":  # left by an older layout
        spark.sql("drop table published.cco_kpi_monthly")
    spark.sql(
        f"""create or replace view published.cco_kpi_monthly as
        select {", ".join(PUBLISHED_COLUMNS)} from published.cco_kpi_monthly_history
        where run_id = (
            select max_by(run_id, published_at) from published.cco_kpi_monthly_publications)"""
    )


def _quote(path: Path) -> str:
    return str(path).replace("\\", "\\\\").replace("'", "\\'")


def query_frame(settings: Settings, sql: str):
    """Run a query in the process's Spark session; the (small) result as a pandas frame."""
    spark = session(settings)
    declare_tables(spark, settings)
    return spark.sql(sql).toPandas()


def execute(settings: Settings, statements) -> None:
    """Run statements in order (audit DDL and inserts with `?` parameters).

    A created table is an external Parquet table at its place in the warehouse folder, so that
    every other process finds it there. Plain Parquet has no transactions: each insert appends one
    file, which readers see whole or not at all.
    """
    spark = session(settings)
    declare_tables(spark, settings)
    for sql, params in statements:
        sql = _spark_types(sql)
        created = _CREATE_TABLE.match(sql)
        if created:
            schema, table = created.group(1), created.group(2)
            sql += f" using parquet location '{_quote(warehouse_dir(settings) / f'{schema}.db' / table)}'"
        spark.sql(sql, args=list(params) or None)


_CREATE_TABLE = re.compile(
    r"(?is)^\s*create\s+table\s+if\s+not\s+exists\s+(\w+)\.(\w+)\s*\(.*\)\s*$"
)


def _spark_types(sql: str) -> str:
    """Spark's names for two standard SQL types (as macros/spark_dialect.sql does for dbt)."""
    sql = re.sub(r"(?i)\bvarchar\b(?!\s*\()", "string", sql)
    return re.sub(r"(?i)\bdouble\s+precision\b", "double", sql)
