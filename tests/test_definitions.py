"""The Dagster code location loads, and the graph reads from landing file to published KPI."""

import dagster as dg

from orchestration.definitions import defs
from sources import ENTITIES


def test_definitions_load_with_every_layer() -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {f"raw/{e.table}" for e in ENTITIES} | {"raw/billing_invoice_lines"} <= keys
    assert {
        "staging/stg_crm__accounts",
        "marts/customer_identity_map",
        "marts/kpi_monthly",
        "published/cco_kpi_monthly",
        "report/cco_scorecard",
    } <= keys


def test_graph_runs_from_raw_to_publication() -> None:
    graph = defs.resolve_asset_graph()
    published = dg.AssetKey(["published", "cco_kpi_monthly"])
    upstream = graph.get(published).parent_keys
    assert dg.AssetKey(["marts", "kpi_monthly"]) in upstream
    # staging models read the ingestion assets (dbt sources mapped through meta.dagster)
    assert (
        dg.AssetKey(["raw", "crm_accounts"])
        in graph.get(dg.AssetKey(["staging", "stg_crm__accounts"])).parent_keys
    )


def test_quality_gates_hang_on_what_they_read_and_block_publication() -> None:
    from orchestration.defs.quality.checks import SUITES

    graph = defs.resolve_asset_graph()
    published = graph.get(dg.AssetKey(["published", "cco_kpi_monthly"])).parent_keys
    attached = {
        "fx_rates_complete": "intermediate/int_revenue__missing_fx_rates",
        "fx_rates_plausible": "staging/stg_finance__fx_rates",
        "ingestion_reject_share": "raw/ingested_files",
        "invoice_line_amount_ceiling": "staging/stg_billing__invoice_lines",
        "kpi_values_in_range": "marts/kpi_monthly",
        "mrr_matches_customer_360": "marts/kpi_monthly",
        "mrr_movements_reconcile": "marts/kpi_monthly",
    }
    for suite in SUITES:
        key = dg.AssetCheckKey(dg.AssetKey(list(suite.asset)), suite.name)
        spec = graph.get_check_spec(key)  # attached to the table the suite names as validated
        assert attached.get(suite.name, spec.asset_key.to_user_string()) == (
            spec.asset_key.to_user_string()
        )
        # every table it reads is a real asset of the graph (no stub), declared as a dependency
        reads = {r.asset_key for r in suite.reads if r.asset_key}
        assert {spec.asset_key} | {d.asset_key for d in spec.additional_deps} == reads
        for read in reads:
            assert graph.get(read).is_materializable, (suite.name, read)
        # the query runs on the resolved tables, never a placeholder
        assert "{{" not in suite.query and "{ref" not in suite.query
        if suite.blocking:  # publication waits for it, and a failure skips publication
            assert spec.blocking and spec.asset_key in published, suite.name
    reconcile = next(s for s in SUITES if s.name == "mrr_matches_customer_360")
    assert '"marts"."customer_360"' in reconcile.query


def test_jobs_schedule_and_sensor() -> None:
    assert defs.resolve_job_def("c360_pipeline") is not None
    assert defs.resolve_job_def("audit_and_publish") is not None
    assert defs.resolve_schedule_def("daily_pipeline").cron_schedule == "0 6 * * *"
    assert defs.resolve_sensor_def("new_deliveries") is not None


def test_every_mart_and_published_column_is_described_and_contracted() -> None:
    import json

    from orchestration.dbt_manifest import dbt_project, ensure_manifest

    manifest = json.loads(ensure_manifest(dbt_project).read_text())
    undocumented, uncontracted = [], []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["fqn"][1] != "marts":
            continue
        if not node["config"]["contract"]["enforced"]:
            uncontracted.append(node["name"])
        undocumented += [
            f"{node['name']}.{c}"
            for c, col in node["columns"].items()
            if not col.get("description")
        ]
        if not node.get("description"):
            undocumented.append(node["name"])
    # the published tables are created by the publish step from their declaration as the source
    # `published`: every column needs its type there as well as its description
    for source in manifest["sources"].values():
        if source["source_name"] != "published":
            continue
        uncontracted += [
            f"{source['name']}.{c}" for c, col in source["columns"].items() if not col["data_type"]
        ]
        undocumented += [
            f"{source['name']}.{c}"
            for c, col in source["columns"].items()
            if not col.get("description")
        ]
    assert not uncontracted and not undocumented, (uncontracted, undocumented)
    exposures = {e["name"] for e in manifest["exposures"].values()}
    assert "cco_scorecard" in exposures


def test_run_outcome_sensors_are_on_by_default() -> None:
    for name in ("record_run_succeeded", "record_run_failed"):
        sensor = defs.resolve_sensor_def(name)
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_one_freshness_rule_on_delivery_dates() -> None:
    import json

    from orchestration.defs.dbt import dbt_project
    from orchestration.defs.quality.checks import SUITES

    checks = defs.resolve_asset_graph().asset_check_keys
    assert not [c for c in checks if "fresh" in c.name and c.name != "sources_fresh"]
    [fresh] = [s for s in SUITES if "fresh" in s.name]
    assert "delivery_date" in fresh.query and not fresh.blocking
    sources = json.loads(dbt_project.manifest_path.read_text())["sources"].values()
    assert all(not (s.get("freshness") or {}).get("warn_after", {}).get("count") for s in sources)


def test_generate_dates_its_latest_delivery_today(tmp_path) -> None:
    import datetime as dt

    from orchestration.cli import main

    assert main(["generate", "--customers", "30", "--months", "2", "--out", str(tmp_path)]) == 0
    latest = max(p.name for p in tmp_path.glob("*/*/*") if p.is_dir())
    assert latest == dt.datetime.now(dt.UTC).date().isoformat()


def test_duckdb_memory_and_threads_follow_the_settings(c360_env, monkeypatch, tmp_path) -> None:
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    from orchestration.settings import DBT_PROJECT_DIR, DUCKDB_MEMORY_LIMIT
    from orchestration.warehouse import duckdb_connection

    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text()
    [default] = re.findall(r"env_var\('C360_DUCKDB_MEMORY_LIMIT', '([^']+)'\)", profile)
    assert default == DUCKDB_MEMORY_LIMIT  # a dbt run by hand gets the pipeline's default

    monkeypatch.setenv("C360_DUCKDB_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("C360_DUCKDB_THREADS", "1")
    c360_env.make_warehouse_dir()
    probe = "select current_setting('memory_limit') as m, current_setting('threads') as t"
    with duckdb_connection(c360_env) as con:
        assert con.sql(probe).fetchall() == [("286.1 MiB", 1)]  # 300 MB, shown in MiB
    dbt = subprocess.run(
        [f"{Path(sys.executable).parent}/dbt", "show", "--inline", probe, "--output", "json"]
        + ["--target-path", str(tmp_path / "target")],  # not the shared manifest's folder
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **c360_env.environment()},  # as the pipeline starts dbt
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"m": "286.1 MiB"' in dbt.stdout and '"t": 1' in dbt.stdout, dbt.stdout[-2000:]


def test_dbt_is_told_the_settings_without_exporting_them(c360_env) -> None:
    import os

    from orchestration.defs.dbt import dbt_environment

    before = dict(os.environ)
    env = dbt_environment(c360_env)
    assert env["C360_WAREHOUSE"] == str(c360_env.warehouse)
    assert env["C360_RAW_DIR"] == str(c360_env.raw_dir)  # resolved, though unset in the env
    assert "C360_RUN_ID" not in env  # nothing in dbt publishes: no run id to pass
    assert env["C360_AS_OF_DATE"] == ""  # no delivery yet: "not set", dbt falls back
    assert dict(os.environ) == before


def test_definitions_without_a_manifest_say_how_to_make_one(tmp_path) -> None:
    import pytest
    from dagster_dbt import DbtProject

    from orchestration.dbt_manifest import ManifestMissing, require_manifest
    from orchestration.settings import DBT_PROJECT_DIR

    unparsed = DbtProject(
        project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=tmp_path / "target"
    )
    with pytest.raises(
        ManifestMissing, match=r"make install .*python -m orchestration.dbt_manifest"
    ):
        require_manifest(unparsed)
    assert not unparsed.manifest_path.exists()  # loading never parses (outside dagster dev)
