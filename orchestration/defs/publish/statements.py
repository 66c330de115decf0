"""The publication as one transaction: the KPIs replaced, the publication appended to the history,
the restatements rebuilt. A reader sees the previous publication or this one, never a mix, on
DuckDB and on PostgreSQL alike (both make these statements atomic).

The published tables are declared once, as the dbt source `published`
(dbt_project/models/published/_published__sources.yml): their columns, in order, with their types.
They are created from that declaration here, and dbt documents them from it. The statements name
the tables they read as dbt does (`{{ ref() }}`, `{{ source() }}`), resolved from the manifest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.defs.quality.relations import Relations, project_relations
from orchestration.settings import Settings
from orchestration.warehouse import query_frame

CURRENT, HISTORY, RESTATEMENTS = (
    "cco_kpi_monthly",
    "cco_kpi_monthly_history",
    "cco_kpi_restatements",
)
KPI_COLUMNS = "month, kpi, value, numerator, denominator"
RESTATEMENTS_SQL = Path(__file__).with_name("restatements.sql")


class PublishedTableChanged(RuntimeError):
    """The history table's columns differ from the declaration: it is never rewritten."""


@dataclass(frozen=True)
class PublishedTable:
    name: str
    sql_name: str  # schema-qualified, as the warehouse runs it
    columns: tuple[tuple[str, str], ...]  # (name, type), in the declared order

    @property
    def column_list(self) -> str:
        return ", ".join(name for name, _ in self.columns)

    def create(self) -> str:
        typed = ", ".join(f"{name} {data_type}" for name, data_type in self.columns)
        return f"create table if not exists {self.sql_name} ({typed})"


def published_tables(relations: Relations) -> dict[str, PublishedTable]:
    """The dbt source `published`, table by table, from the manifest."""
    tables = {}
    for source in relations.manifest["sources"].values():
        if source["source_name"] != "published":
            continue
        columns = tuple((c["name"], c["data_type"]) for c in source["columns"].values())
        sql_name = relations.render(f"{{{{ source('published', '{source['name']}') }}}}")[0]
        tables[source["name"]] = PublishedTable(source["name"], sql_name, columns)
    return tables


def publication_statements(
    settings: Settings, run_id: str, published_at: dt.datetime
) -> list[tuple[str, Sequence[Any]]]:
    """Every statement of one publication, to run in one transaction (warehouse.execute)."""
    relations = project_relations()
    tables = published_tables(relations)
    current, history, restatements = tables[CURRENT], tables[HISTORY], tables[RESTATEMENTS]
    candidate, _ = relations.render(f"select {KPI_COLUMNS} from {{{{ ref('kpi_monthly') }}}}")
    restated, _ = relations.render(RESTATEMENTS_SQL.read_text())
    statements: list[tuple[str, Sequence[Any]]] = [("create schema if not exists published", ())]
    statements += _recreate_if_changed(settings, current, restatements)
    _require_unchanged(settings, history)
    statements += [(t.create(), ()) for t in (current, history, restatements)]
    statements += [
        (f"delete from {current.sql_name}", ()),
        (
            (
                f"insert into {current.sql_name} ({current.column_list}) "
                f"select {KPI_COLUMNS}, ?, ? from ({candidate}) as candidate"
            ),
            (run_id, published_at),
        ),
        (
            (
                f"insert into {history.sql_name} ({history.column_list}) "
                f"select {history.column_list} from {current.sql_name}"
            ),
            (),
        ),
        (f"delete from {restatements.sql_name}", ()),
        (f"insert into {restatements.sql_name} ({restatements.column_list}) {restated}", ()),
    ]
    return statements


def _columns_in_warehouse(settings: Settings, table: PublishedTable) -> list[str] | None:
    schema, name = (part.strip('"') for part in table.sql_name.split(".")[-2:])
    frame = query_frame(
        settings,
        "select column_name from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{name}' order by ordinal_position",
    )
    return list(frame["column_name"]) or None


def _recreate_if_changed(
    settings: Settings, *tables: PublishedTable
) -> list[tuple[str, Sequence[Any]]]:
    """The current KPIs and the restatements are rewritten whole at every publication: when their
    declared columns change, the old table is dropped in the same transaction."""
    return [
        (f"drop table {table.sql_name}", ())
        for table in tables
        if _columns_in_warehouse(settings, table) not in (None, [n for n, _ in table.columns])
    ]


def _require_unchanged(settings: Settings, history: PublishedTable) -> None:
    found = _columns_in_warehouse(settings, history)
    declared = [name for name, _ in history.columns]
    if found not in (None, declared):
        raise PublishedTableChanged(
            f"{history.sql_name} has columns {found}, but the source published declares "
            f"{declared}: the history is never rewritten, so migrate it by hand first"
        )
