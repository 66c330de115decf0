"""One in-process run of the whole pipeline, timed per stage from Dagster's and dbt's own records.

Step windows come from the Dagster event log (STEP_START -> STEP_SUCCESS / STEP_FAILURE
timestamps). The dbt step (`warehouse_models`, one `dbt build`) is split by dbt's
`run_results.json`: each node's compile+execute interval; where several nodes run at once (two dbt
threads) their shared wall time is split evenly, so the parts add up to the step. Nodes are
grouped by folder: staging; intermediate/identity (identity resolution); models named `*kpi*`
(KPI models); the other intermediate and marts models (marts); every unit and data test (dbt
tests). The on-run-start hook (creating the raw views) is a node of its own. What no node covers is
overhead: before the first node (dbt start-up, project parsing, connection), between nodes
(scheduling), after the last node (writing artifacts, dagster-dbt's handling of the events).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import time
from pathlib import Path

DBT_STEP = "warehouse_models"
GROUPS = (
    "dbt hooks (raw views)",
    "dbt staging",
    "identity resolution",
    "marts",
    "KPI models",
    "dbt tests",
    "other dbt nodes",
)
# Time of the dbt step that no node covers, by where it falls.
OVERHEAD = (
    "dbt start-up (before the first node)",
    "dbt gaps between nodes",
    "dbt wrap-up (after the last node)",
)


def set_environment(landing: Path, work: Path, target: str = "duckdb") -> None:
    os.environ["C360_LANDING_DIR"] = str(landing)
    # on Spark: its tables (and raw layer) beside this file, named after it (Settings.spark_warehouse)
    os.environ["C360_WAREHOUSE"] = str(work / "warehouse" / "c360.duckdb")
    os.environ["C360_REPORT_DIR"] = str(work / "reports")
    os.environ["C360_TARGET"] = target
    os.environ.pop("C360_RAW_DIR", None)  # beside the warehouse
    os.environ.setdefault("DAGSTER_HOME", str(work / "dagster_home"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)


def node_group(node: dict) -> str:
    unique_id = node["unique_id"]
    if unique_id.startswith(("test.", "unit_test.")):
        return "dbt tests"
    if unique_id.startswith("operation."):
        return "dbt hooks (raw views)"
    if unique_id.startswith(("exposure.", "seed.", "snapshot.")):
        return "other dbt nodes"
    fqn = node.get("fqn") or []
    folder = fqn[1] if len(fqn) > 2 else ""
    sub = fqn[2] if len(fqn) > 3 else ""
    name = unique_id.split(".")[-1]
    if folder == "staging":
        return "dbt staging"
    if "kpi" in name:
        return "KPI models"
    if folder == "intermediate" and sub == "identity":
        return "identity resolution"
    return "marts"


def _ts(text: str) -> float:
    """dbt's timing stamps are UTC ISO 8601 (with or without a trailing Z)."""
    stamp = dt.datetime.fromisoformat(text)
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).timestamp()


def dbt_nodes(run_id: str, step: str = DBT_STEP) -> list[dict]:
    """Per-node intervals of the dbt invocation of a step (dagster-dbt keeps a target per call)."""
    from orchestration.settings import DBT_PROJECT_DIR

    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    known = manifest["nodes"] | manifest.get("unit_tests", {})
    nodes = []
    for target in sorted((DBT_PROJECT_DIR / "target").glob(f"{step}-{run_id[:7]}-*")):
        results = target / "run_results.json"
        if not results.exists():
            continue
        for r in json.loads(results.read_text()).get("results", []):
            timing = [
                t for t in r.get("timing", []) if t.get("started_at") and t.get("completed_at")
            ]
            if not timing:
                continue
            props = known.get(r["unique_id"], {"unique_id": r["unique_id"]})
            nodes.append(
                {
                    "unique_id": r["unique_id"],
                    "group": node_group(props | {"unique_id": r["unique_id"]}),
                    "status": r.get("status"),
                    "start": min(_ts(t["started_at"]) for t in timing),
                    "end": max(_ts(t["completed_at"]) for t in timing),
                    "execution_time": r.get("execution_time"),
                    "rows": (r.get("adapter_response") or {}).get("rows_affected"),
                }
            )
        shutil.rmtree(target, ignore_errors=True)  # this run's artifacts: read, then tidied
    return nodes


def attribute(
    nodes: list[dict], window: tuple[float, float]
) -> tuple[dict[str, float], dict[str, list]]:
    """Split the step window among the groups of the nodes running at each instant."""
    bounds = sorted(
        {window[0], window[1]} | {n["start"] for n in nodes} | {n["end"] for n in nodes}
    )
    first = min((n["start"] for n in nodes), default=window[1])
    last = max((n["end"] for n in nodes), default=window[0])
    seconds: dict[str, float] = {}
    presence: dict[str, list[tuple[float, float]]] = {}
    for a, b in itertools.pairwise(bounds):
        if b <= window[0] or a >= window[1]:
            continue
        a, b = max(a, window[0]), min(b, window[1])
        running = [n for n in nodes if n["start"] < b and n["end"] > a]
        if not running:
            where = (
                OVERHEAD[0]
                if not nodes or b <= first
                else OVERHEAD[2]
                if a >= last
                else OVERHEAD[1]
            )
            seconds[where] = seconds.get(where, 0.0) + (b - a)
            presence.setdefault(where, []).append((a, b))
            continue
        for n in running:
            seconds[n["group"]] = seconds.get(n["group"], 0.0) + (b - a) / len(running)
            presence.setdefault(n["group"], []).append((a, b))
    return seconds, presence


def published_kpis() -> list[list]:
    """The published KPIs read through the target's own connection (on Spark: this process's
    session, which the gates opened), rows as `baseline.published_kpis` gives them."""
    from orchestration.settings import Settings
    from orchestration.warehouse import query_frame

    frame = query_frame(
        Settings.from_env(),
        "select cast(month as varchar) as month, kpi, value, numerator, denominator "
        "from published.cco_kpi_monthly order by month, kpi",
    ).astype(object)
    return frame.where(frame.notna(), None).values.tolist()


def run(landing: Path, work: Path, fresh: bool, target: str = "duckdb") -> dict:
    """Run the pipeline once; return timings, outcome and the per-stage breakdown."""
    from bench.memory import Sampler, peak_in

    if fresh:
        for sub in ("warehouse", "reports", "dagster_home"):
            shutil.rmtree(work / sub, ignore_errors=True)
    set_environment(landing, work, target)
    with Sampler() as sampler:
        t0 = time.time()
        import dagster as dg

        import orchestration.definitions  # noqa: F401  (loads the code location: dbt manifest)
        from orchestration.run import execute, outcome_of

        t1 = time.time()
        with dg.DagsterInstance.ephemeral() as instance:
            result = execute(instance, log_level="WARNING")
            t2 = time.time()
            records = instance.all_logs(result.run_id)
        outcome = outcome_of(result)
    steps: dict[str, dict] = {}
    for rec in records:
        event = rec.dagster_event
        if event is None or event.step_key is None:
            continue
        s = steps.setdefault(event.step_key, {})
        if event.event_type_value == "STEP_START":
            s["start"] = rec.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            s["end"] = rec.timestamp
            s["status"] = event.event_type_value.removeprefix("STEP_").lower()
    ingestion = {}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.path[0] == "raw" and "records_loaded" in mat.metadata:
            ingestion[mat.asset_key.path[-1]] = {
                k: mat.metadata[k].value
                for k in (
                    "files_seen",
                    "files_ingested",
                    "files_unchanged",
                    "records_read",
                    "records_loaded",
                    "records_rejected",
                    "seconds",
                )
                if k in mat.metadata
            }
    kpis = kpis_error = None  # on DuckDB the caller reads the warehouse file (bench/baseline.py)
    if target != "duckdb" and outcome.published:
        try:
            kpis = published_kpis()
        except Exception as exc:  # noqa: BLE001 - the timings are worth keeping
            kpis_error = f"{type(exc).__name__}: {exc}"
    nodes = dbt_nodes(result.run_id)
    stages: list[dict] = []

    def add(name: str, seconds: float, windows: list[tuple[float, float]], kind: str) -> None:
        stages.append(
            {
                "stage": name,
                "seconds": seconds,
                "kind": kind,
                "peak": peak_in(sampler.samples, windows),
            }
        )

    add("startup (imports, definitions)", t1 - t0, [(t0, t1)], "startup")
    order = sorted((s for s in steps.items() if "start" in s[1]), key=lambda kv: kv[1]["start"])
    for key, s in order:
        end = s.get("end", t2)
        if key == DBT_STEP:
            seconds, presence = attribute(nodes, (s["start"], end))
            for group in GROUPS + OVERHEAD:
                if group in seconds:
                    add(group, seconds[group], presence[group], "dbt")
            add(
                f"{key} (whole dbt build step)", end - s["start"], [(s["start"], end)], "step-total"
            )
        else:
            add(key, end - s["start"], [(s["start"], end)], "step")
    in_steps = sum(s.get("end", t2) - s["start"] for _, s in order)
    add("Dagster run overhead (between steps)", (t2 - t1) - in_steps, [(t1, t2)], "overhead")
    return {
        "target": target,
        "kpis": kpis,
        "kpis_error": kpis_error,
        "run_id": result.run_id,
        "success": result.success,
        "exit_code": outcome.exit_code,
        "published": outcome.published,
        "failed_checks": [f"{c.asset}:{c.check} — {c.summary}" for c in outcome.failed_checks],
        "failed_steps": [s.step for s in outcome.failed_steps],
        "startup_seconds": t1 - t0,
        "pipeline_seconds": t2 - t1,
        "window": [t1, t2],
        "peak": peak_in(sampler.samples, [(t1, t2)]),
        "steps": {k: v for k, v in steps.items()},
        "stages": stages,
        "dbt_nodes": sorted(nodes, key=lambda n: n["end"] - n["start"], reverse=True),
        "ingestion": ingestion,
        "warehouse_bytes": _size(work / "warehouse"),
    }


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
