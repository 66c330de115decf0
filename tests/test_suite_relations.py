"""A suite names the tables it reads as dbt does; loading resolves them from the dbt manifest."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.quality.gx_bridge import Suite
from orchestration.defs.quality.relations import Relations, UnknownRelation

MANIFEST = {
    "nodes": {
        "model.c360.kpi_monthly": {
            "resource_type": "model",
            "name": "kpi_monthly",
            "relation_name": '"c360_test_1"."marts"."kpi_monthly"',
        },
        "test.c360.some_test": {"resource_type": "test", "name": "some_test"},
    },
    "sources": {
        "source.c360.crm.crm_accounts": {
            "resource_type": "source",
            "source_name": "crm",
            "name": "crm_accounts",
            "relation_name": '"c360"."raw"."crm_accounts"',
            "meta": {"dagster": {"asset_key": ["raw", "crm_accounts"]}},
        },
        "source.c360.audit.in_force": {
            "resource_type": "source",
            "source_name": "audit",
            "name": "in_force",
            "relation_name": '"c360"."audit"."in_force"',
            "meta": {},
        },
    },
}


class KeyByName:
    """Stands in for the dbt assets' translator: a source's meta.dagster key, or the node's name."""

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        node = {**manifest["nodes"], **manifest["sources"]}[unique_id]
        key = node.get("meta", {}).get("dagster", {}).get("asset_key")
        return dg.AssetSpec(key=key or ["marts", node["name"]])


def relations() -> Relations:
    return Relations(MANIFEST, KeyByName(), project=None)


def test_placeholders_become_the_manifest_tables_without_their_database() -> None:
    sql, reads = relations().render(
        "select * from {{ ref('kpi_monthly') }} k join {{source('crm','crm_accounts')}} a "
        "on true join {{ ref( 'kpi_monthly' ) }} again on true "
        "left join {{ source('audit', 'in_force') }} f on true"
    )
    assert sql == (
        'select * from "marts"."kpi_monthly" k join "raw"."crm_accounts" a '
        'on true join "marts"."kpi_monthly" again on true '
        'left join "audit"."in_force" f on true'
    )
    assert [r.asset_key for r in reads] == [
        dg.AssetKey(["marts", "kpi_monthly"]),
        dg.AssetKey(["raw", "crm_accounts"]),  # the asset the source names (meta.dagster)
        None,  # a source no asset writes
    ]


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(UnknownRelation, match="kpi_monthy"):
        relations().render("select * from {{ ref('kpi_monthy') }}")


def _suite(tmp_path: Path, asset: list[str], query: str) -> Path:
    path = tmp_path / "suite.json"
    meta = {"c360": {"asset": asset, "query": [query]}}
    path.write_text(json.dumps({"name": "suite", "expectations": [], "meta": meta}))
    return path


def test_a_suite_hangs_on_a_table_it_reads_and_depends_on_the_others(tmp_path: Path) -> None:
    query = "select * from {{ ref('kpi_monthly') }}, {{ source('crm', 'crm_accounts') }}"
    suite = Suite.load(_suite(tmp_path, ["raw", "crm_accounts"], query), relations())
    assert suite.asset == ("raw", "crm_accounts")
    assert suite.other_reads == [dg.AssetKey(["marts", "kpi_monthly"])]
    with pytest.raises(ValueError, match="not one of the tables its query reads"):
        Suite.load(_suite(tmp_path, ["marts", "customer_360"], query), relations())
