"""The Spark target (C360_TARGET=spark): its raw tables, and this process's own Spark session.

dbt builds the warehouse in a Spark session of its own (dbt-spark's `session` method, profile
`spark`), whose catalog is an embedded Derby database under the Spark warehouse folder
(`Settings.spark_warehouse`). Derby admits one process at a time, so the quality gates and the
audit trail never open it: they run in this process's session, whose catalog lives in memory and
declares every table folder it finds in the warehouse as an external table (a table's files are
all there is to it; dropping an external table never touches them). A dbt build therefore never
waits for a reader, and a reader never sees dbt's catalog half-updated. On a cluster both sides
would share the cluster's metastore instead (docs/spark.md).

pyspark is imported only when a session is made: the other targets do without the `spark` extra.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from orchestration.settings import Settings
from sources import RAW_TABLES

RAW_SCHEMA = "raw"

# Settings every Spark session of the project shares with dbt's (dbt_project/profiles.yml).
SHUFFLE_PARTITIONS = "4"
DRIVER_MEMORY = "2g"


def spark_type(kind: pa.DataType) -> str:
    """Spark's name of a Parquet column type that ingestion writes."""
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


def raw_tables(settings: Settings) -> dict[str, dict[str, Any]]:
    """Each raw table's folder, columns and whether its files lie in sub-folders.

    The folder is its files' glob up to the first wildcard; the columns are what ingestion writes
    (sources/raw_tables.py), since Spark cannot infer them from a folder without records.
    """
    tables = {}
    for table in RAW_TABLES:
        folder, _, rest = table.files.partition("/*")
        tables[table.name] = {
            "location": str(settings.raw_dir / folder),
            "columns": ", ".join(f"`{f.name}` {spark_type(f.type)}" for f in table.schema),
            "recursive": "/" in rest,
        }
    return tables


def dbt_environment(settings: Settings) -> dict[str, str]:
    """What dbt's `spark_raw_tables` macro reads: the raw tables to declare."""
    return {"C360_SPARK_RAW_TABLES": json.dumps(raw_tables(settings))}


_lock = threading.Lock()
_session = None


def session(settings: Settings):
    """This process's Spark session (made once, then reused), its catalog in memory."""
    global _session
    with _lock:
        if _session is None:
            from pyspark.sql import SparkSession

            folder = settings.spark_warehouse
            folder.mkdir(parents=True, exist_ok=True)
            builder = SparkSession.builder.appName("c360").master(
                os.environ.get("C360_SPARK_MASTER", "local[2]")
            )
            for key, value in {
                "spark.sql.catalogImplementation": "in-memory",
                "spark.sql.warehouse.dir": str(folder),
                "spark.driver.memory": os.environ.get("C360_SPARK_DRIVER_MEMORY", DRIVER_MEMORY),
                "spark.sql.shuffle.partitions": os.environ.get(
                    "C360_SPARK_SHUFFLE_PARTITIONS", SHUFFLE_PARTITIONS
                ),
                "spark.sql.session.timeZone": "UTC",
                # as dbt-spark runs the models: timestamps without time zone, ANSI mode off
                "spark.sql.timestampType": "TIMESTAMP_NTZ",
                "spark.sql.ansi.enabled": "false",
                # as in dbt's session: on small results, compiling Java per query costs more
                "spark.sql.codegen.wholeStage": os.environ.get("C360_SPARK_CODEGEN", "false"),
                # a partitioned table (the published history) is read from its folders, whose
                # names are values as they are (a run id is text, even one that looks numeric)
                "spark.sql.hive.manageFilesourcePartitions": "false",
                "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
            }.items():
                builder = builder.config(key, value)
            _session = builder.getOrCreate()
            _session.sparkContext.setLogLevel("ERROR")
        return _session


_declared_for: Path | None = None
_declared: dict[str, frozenset] = {}  # table -> the files it was last declared over


def declare_tables(spark, settings: Settings) -> None:
    """Declare every table folder of the Spark warehouse, and the raw layer, as external tables.

    Checked before each use, since dbt may have rewritten a table's files since; a table is
    declared again only when its files changed (declaring one reads Parquet footers).
    """
    folder = settings.spark_warehouse
    _forget_other_warehouse(spark, folder)
    changed = False
    for schema_dir in sorted(folder.glob("*.db")):
        schema = schema_dir.name.removesuffix(".db")
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            files = _files(table_dir)
            # a folder without files keeps the declaration it has (one made with its columns)
            if files and _declare(spark, schema, table_dir.name, files, table_dir):
                changed = True
    for table, spec in raw_tables(settings).items():
        location = Path(spec["location"])
        # only the Parquet files: `_files/` also holds ingestion's `<table>.context.json`
        options = " options (pathGlobFilter '*.parquet'" + (
            ", recursiveFileLookup 'true')" if spec["recursive"] else ")"
        )
        files = _files(location)
        if _declare(spark, RAW_SCHEMA, table, files, location, options, spec["columns"]):
            changed = True
    if changed:
        spark.catalog.clearCache()
        _declare_published_views(spark)


def _declare_published_views(spark) -> None:
    """The published tables readers know, as views over the appended publications and their
    commits (orchestration/defs/publish/spark_publication.py), once both exist."""
    from orchestration.defs.publish import spark_publication as publication

    names = (publication.APPENDED, publication.COMMITS)
    if all(f"`{publication.SCHEMA}`.`{name}`" in _declared for name in names):
        for statement in publication.view_statements():
            spark.sql(spark_sql(statement))


def existing_tables(settings: Settings, schemas: Sequence[str]) -> set[str]:
    """`schema.table` of every table and view in these schemas."""
    spark = session(settings)
    declare_tables(spark, settings)
    return {
        f"{schema}.{table.name}"
        for schema in schemas
        if spark.catalog.databaseExists(schema)
        for table in spark.catalog.listTables(schema)
        if not table.isTemporary
    }



def _files(folder: Path) -> frozenset:
    if not folder.is_dir():
        return frozenset()
    return frozenset(
        (str(p), p.stat().st_mtime_ns) for p in folder.rglob("*.parquet") if _visible(p, folder)
    )


def _visible(path: Path, root: Path) -> bool:
    """As Spark lists a folder: names starting with `_` or `.` are not data."""
    return not any(part.startswith(("_", ".")) for part in path.relative_to(root).parts)


def _declare(
    spark,
    schema: str,
    table: str,
    files: frozenset,
    location: Path,
    options: str = "",
    columns: str = "",
) -> bool:
    name = f"`{schema}`.`{table}`"
    if _declared.get(name) == files:
        return False
    _create_database(spark, schema, location.parent if schema != RAW_SCHEMA else None)
    spark.sql(f"drop table if exists {name}")
    spark.sql(
        f"create table {name} {f'({columns})' if columns else ''} using parquet "
        f"location '{_quote(location)}'{options}"
    )
    _declared[name] = files
    return True


def _create_database(spark, schema: str, location: Path | None) -> None:
    where = f" location '{_quote(location)}'" if location else ""
    spark.sql(f"create database if not exists `{schema}`{where}")


def _forget_other_warehouse(spark, folder: Path) -> None:
    """A process that moves to another warehouse (the tests do) forgets the last one's tables.

    Only catalog entries go: every table declared here is external, so no file is touched.
    Databases stay (dropping one would delete its folder); their tables are declared anew.
    """
    global _declared_for
    if _declared_for in (None, folder):
        _declared_for = folder
        return
    for database in spark.catalog.listDatabases():
        for table in spark.catalog.listTables(database.name):
            if not table.isTemporary:
                kind = "view" if table.tableType == "VIEW" else "table"
                spark.sql(f"drop {kind} if exists `{database.name}`.`{table.name}`")
    _declared.clear()
    _declared_for = folder


def _quote(path: Path) -> str:
    return str(path).replace("\\", "\\\\").replace("'", "\\'")


def query_frame(settings: Settings, sql: str) -> pd.DataFrame:
    """Run a query in this process's Spark session; its (small) result as a pandas frame."""
    spark = session(settings)
    declare_tables(spark, settings)
    return spark.sql(spark_sql(sql)).toPandas()


def execute(settings: Settings, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Run the audit trail's statements in order (DDL, and inserts with `?` parameters).

    A table created here is an external Parquet table at its own place in the warehouse folder,
    where every other process finds it. Plain Parquet has no transactions: each insert appends
    files of its own, and a table emptied (`delete from` without a condition) is overwritten.
    """
    spark = session(settings)
    declare_tables(spark, settings)
    for sql, params in statements:
        sql = spark_sql(sql)
        if _ADD_COLUMN.match(sql):
            # Only tables made before a column existed need it added; Spark's audit tables were
            # all made with their current columns.
            continue
        schema = _CREATE_SCHEMA.match(sql)
        if schema:
            _create_database(spark, schema[1], settings.spark_warehouse / f"{schema[1]}.db")
            continue
        created = _CREATE_TABLE.match(sql)
        if created:
            location = settings.spark_warehouse / f"{created[1]}.db" / created[2]
            sql += f" using parquet location '{_quote(location)}'"
        emptied = _DELETE_ALL.match(sql)
        if emptied:
            table = spark.table(emptied[1])
            spark.createDataFrame([], table.schema).write.insertInto(emptied[1], overwrite=True)
            continue
        spark.sql(sql, args=list(params) or None)


_ADD_COLUMN = re.compile(r"(?is)^\s*alter\s+table\s+\S+\s+add\s+column\s+if\s+not\s+exists\b")
_CREATE_SCHEMA = re.compile(r"(?is)^\s*create\s+schema\s+if\s+not\s+exists\s+(\w+)\s*$")
_CREATE_TABLE = re.compile(
    r"(?is)^\s*create\s+table\s+if\s+not\s+exists\s+(\w+)\.(\w+)\s*\(.*\)\s*$"
)
_DELETE_ALL = re.compile(r"(?is)^\s*delete\s+from\s+(\w+\.\w+)\s*$")

# String literals and comments, which the spellings below leave as they are.
_LITERALS = re.compile(r"('(?:[^']|'')*'|--[^\n]*|/\*.*?\*/)", re.DOTALL)
_STRING_AGG = re.compile(
    r"(?is)\bstring_agg\(\s*((?:distinct\s+)?[^,()]+),\s*('(?:[^']|'')*')\s+order\s+by\s+([^()]+?)\)"
)


def spark_sql(sql: str) -> str:
    """Spark's spelling of standard SQL as the gates and the audit trail write it.

    The same rewrite as dbt's (dbt_project/macros/spark_dialect.sql): with ANSI mode off (as
    dbt-spark runs Spark) a double-quoted name is a string, so it becomes a backticked name;
    `varchar` and `json` become `string`, `double precision` `double`. And an ordered
    `string_agg(x, sep order by y)` takes Spark's `within group (order by y)`.
    """
    parts = _LITERALS.split(sql)
    for i in range(0, len(parts), 2):  # the even parts are outside literals and comments
        part = re.sub(r'"([^"\n]+)"', r"`\1`", parts[i])
        part = re.sub(r"(?i)\b(varchar|json)\b(?!\s*\()", "string", part)
        parts[i] = re.sub(r"(?i)\bdouble\s+precision\b", "double", part)
    sql = "".join(parts)
    return _STRING_AGG.sub(r"string_agg(\1, \2) within group (order by \3)", sql)
