"""The tables a suite reads, named as dbt names them and resolved from the dbt manifest.

A suite's query says `{{ ref('kpi_monthly') }}` or `{{ source('finance', 'finance_fx_rates') }}`
where it reads a table, as a dbt model would. Each placeholder becomes the table's schema and name
from the manifest (its `relation_name`) and the Dagster asset holding it (the key the dbt assets
give the node), so that a gate is attached to what it reads and moves with it when a model is
renamed or a schema changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg

PLACEHOLDER = re.compile(
    r"\{\{\s*(?P<kind>ref|source)\(\s*'(?P<first>[^']+)'\s*(?:,\s*'(?P<second>[^']+)'\s*)?\)\s*\}\}"
)


class UnknownRelation(ValueError):
    """A placeholder names no model, seed or source of the dbt project."""


@dataclass(frozen=True)
class Relation:
    placeholder: str  # as written in the suite, e.g. {{ ref('kpi_monthly') }}
    sql_name: str  # schema-qualified, e.g. "marts"."kpi_monthly"
    asset_key: dg.AssetKey | None  # the Dagster asset of the table; None: no asset holds it


class Relations:
    """Every model, seed and source of one dbt manifest, by the name a placeholder gives it."""

    def __init__(self, manifest: Mapping[str, Any], translator, project) -> None:
        self._manifest, self._translator, self._project = manifest, translator, project
        self._nodes: dict[tuple[str, ...], tuple[str, Mapping[str, Any]]] = {}
        for unique_id, node in manifest["nodes"].items():
            if node["resource_type"] in ("model", "seed"):
                self._nodes[("ref", node["name"])] = (unique_id, node)
        for unique_id, node in manifest["sources"].items():
            self._nodes[("source", node["source_name"], node["name"])] = (unique_id, node)

    @property
    def manifest(self) -> Mapping[str, Any]:
        return self._manifest

    def _asset_key(self, unique_id: str, node: Mapping[str, Any]) -> dg.AssetKey | None:
        if node["resource_type"] == "source" and "asset_key" not in node["meta"].get("dagster", {}):
            return None  # a table that no asset writes, e.g. one the gates' own step fills
        return self._translator.get_asset_spec(self._manifest, unique_id, self._project).key

    def resolve(self, match: re.Match) -> Relation:
        name = tuple(p for p in match.group("kind", "first", "second") if p)
        if name not in self._nodes:
            raise UnknownRelation(
                f"{match.group(0)}: no such model, seed or source in the dbt project"
            )
        unique_id, node = self._nodes[name]
        return Relation(match.group(0), _schema_qualified(node), self._asset_key(unique_id, node))

    def render(self, query: str) -> tuple[str, list[Relation]]:
        """The query as the warehouse runs it, and the relations it reads (in order, once each)."""
        read: dict[str, Relation] = {}

        def substitute(match: re.Match) -> str:
            relation = self.resolve(match)
            return read.setdefault(relation.sql_name, relation).sql_name

        return PLACEHOLDER.sub(substitute, query), list(read.values())


def _schema_qualified(node: Mapping[str, Any]) -> str:
    """`relation_name` without its database: the manifest is parsed against one warehouse file
    (DuckDB) or database (PostgreSQL), the gates may read another with the same schemas."""
    parts = re.findall(r'"[^"]*"|[^.]+', node["relation_name"])
    return ".".join(parts[-2:])


def project_relations() -> Relations:
    """The relations of this project's dbt manifest, with the asset keys its dbt assets use."""
    from orchestration.dbt_manifest import dbt_project, require_manifest
    from orchestration.defs.dbt import LayeredTranslator

    manifest = json.loads(require_manifest(dbt_project).read_text())
    return Relations(manifest, LayeredTranslator(), dbt_project)
