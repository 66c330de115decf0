"""`make bench` / `python -m bench`: the warehouse's benchmark (never part of `make test`).

For each scale factor (5,000 (the demo) and 100,000 customers x 12 months; 1,000,000 with
--large):
  1. landing data, generated once and cached by (customers, months, seed) under bench/cache/;
  2. a cold run of the whole pipeline (fresh warehouse), in-process, timed and memory-sampled
     per stage;
  3. the baseline: bench/baseline.sql, the same KPIs in one DuckDB script over the landing
     files, and the check that its KPIs equal the pipeline's published.cco_kpi_monthly;
  4. an incremental day (one more daily delivery) on top of the loaded warehouse, timed against
     the cold run, and checked against the baseline again.
With --target spark, each scale also runs the cold pipeline on Spark (local[2]) right after
DuckDB's, compared stage by stage, and checks that Spark's published KPIs equal DuckDB's.
Results: bench/results/<timestamp>.json and .md, bench/results/latest.md (and latest.json).
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import baseline, report
from bench.datasets import CACHE_DIR, Scale, cache_dir, cached, git_state, link_landing
from bench.incremental import add_next_day

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_SCALES = (5_000, 100_000)  # 5,000: the demo `make run` generates
LARGE_SCALE = 1_000_000


LOG_DIR = RESULTS_DIR / "logs"


def _phase(phase: str, spec: dict, log_name: str) -> dict:
    """Run one phase in a fresh interpreter (see bench/worker.py); its JSON result.

    The phase's own output (dbt's and Dagster's logs) goes to bench/results/logs/<log_name>.log.
    """
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{log_name}.log"
    with tempfile.TemporaryDirectory(prefix="c360-bench-") as tmp, open(log_path, "w") as log:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec_path.write_text(json.dumps(spec))
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        proc = subprocess.run(
            [sys.executable, "-m", "bench.worker", phase, str(spec_path), str(out_path)],
            check=False,
            cwd=BENCH_DIR.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if proc.returncode != 0 or not out_path.exists():
            raise RuntimeError(
                f"bench phase {phase} failed (exit code {proc.returncode}); see {log_path}"
            )
        result = json.loads(out_path.read_text())
        # the machine is shared: each phase says how busy it was (1-minute load average at its end)
        result["loadavg"] = f"{os.getloadavg()[0]:.2f}"
        return result


def _log(text: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {text}", flush=True)


def _machine() -> dict:
    import dagster
    import duckdb
    from dbt.version import __version__ as dbt_version

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "memory_gib": mem / 1024**3,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dagster": dagster.__version__,
        "dbt": str(dbt_version),
        "loadavg": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "git": git_state(),
    }


def bench_scale(scale: Scale, cache_root: Path, args: argparse.Namespace, stamp: str) -> dict:
    res: dict = {
        "customers": scale.customers,
        "months": scale.months,
        "seed": scale.seed,
        "label": scale.label,
    }
    meta = cached(scale, cache_root)
    res["generation_cached"] = meta is not None
    if meta is None:
        _log(f"{scale.label}: generating landing data (cached for later runs)")
        meta = _phase(
            "generate",
            {
                "customers": scale.customers,
                "months": scale.months,
                "seed": scale.seed,
                "cache_root": str(cache_root),
            },
            f"{stamp}-{scale.key}-generate",
        )
    res["generation"] = meta
    _log(
        f"{scale.label}: landing ready ({meta['generation_seconds']:.1f} s to generate, "
        f"{meta['bytes'] / 1024**2:,.0f} MiB)"
    )

    work = cache_root / "runs" / scale.key
    landing = work / "landing"
    link_landing(cache_dir(scale, cache_root) / "landing", landing)
    warehouse = work / "warehouse" / "c360.duckdb"

    _log(f"{scale.label}: cold pipeline run")
    res["cold"] = cold = _phase(
        "pipeline",
        {"landing": str(landing), "work": str(work), "fresh": True},
        f"{stamp}-{scale.key}-cold",
    )
    _log(f"{scale.label}: cold run {cold['pipeline_seconds']:.1f} s, exit code {cold['exit_code']}")
    published_cold = baseline.published_kpis(warehouse) if cold["published"] else []
    if args.target == "spark":
        res.update(spark_cold(scale, cache_root, landing, published_cold, args, stamp))

    if not args.skip_baseline:
        _log(f"{scale.label}: baseline (bench/baseline.sql)")
        res["baseline"] = base = _phase(
            "baseline", {"landing": str(landing)}, f"{stamp}-{scale.key}-baseline"
        )
        res["check_cold"] = baseline.compare(published_cold, base.pop("kpis"))
        _log(
            f"{scale.label}: baseline {base['seconds']:.1f} s; KPIs equal: {res['check_cold']['equal']}"
        )

    if not args.skip_incremental:
        started = time.perf_counter()
        res["incremental_delivery"] = add_next_day(landing)
        res["incremental_delivery"]["seconds_to_write"] = time.perf_counter() - started
        _log(f"{scale.label}: incremental day {res['incremental_delivery']['delivery_date']}")
        res["incremental"] = incr = _phase(
            "pipeline",
            {"landing": str(landing), "work": str(work), "fresh": False},
            f"{stamp}-{scale.key}-incremental",
        )
        _log(
            f"{scale.label}: incremental run {incr['pipeline_seconds']:.1f} s, exit code {incr['exit_code']}"
        )
        published_incr = baseline.published_kpis(warehouse) if incr["published"] else []
        # how much the day moved the KPIs: the check below is only worth as much as this
        res["incremental_changed_fields"] = len(
            baseline.compare(published_cold, published_incr)["mismatches"]
        )
        if not args.skip_baseline and not args.skip_incremental_check:
            _log(f"{scale.label}: baseline on the incremental landing (check only, not timed)")
            base_i = _phase(
                "baseline", {"landing": str(landing)}, f"{stamp}-{scale.key}-baseline-incremental"
            )
            res["baseline_incremental_seconds"] = base_i["seconds"]
            res["check_incremental"] = baseline.compare(published_incr, base_i["kpis"])
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return res


SPARK_REL_TOL = 1e-9  # one engine against another: only float rounding may differ


def spark_cold(
    scale: Scale, cache_root: Path, landing: Path, published: list, args, stamp: str
) -> dict:
    """The cold run on Spark, on the same landing, its warehouse in a work folder of its own; its
    published KPIs against DuckDB's. A failed step is reported; a phase that died is recorded."""
    work = cache_root / "runs" / f"{scale.key}-spark"
    _log(f"{scale.label}: cold pipeline run on Spark (local[2])")
    try:
        run = _phase(
            "pipeline",
            {"landing": str(landing), "work": str(work), "fresh": True, "target": "spark"},
            f"{stamp}-{scale.key}-spark-cold",
        )
    except RuntimeError as exc:
        _log(f"{scale.label}: Spark run FAILED: {exc}")
        return {"spark_error": str(exc)}
    finally:
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    out: dict = {"spark": run}
    failed = f"; failed steps: {', '.join(run['failed_steps'])}" if run["failed_steps"] else ""
    failed += f"; {len(run['failed_checks'])} failed check(s)" if run["failed_checks"] else ""
    _log(
        f"{scale.label}: Spark cold run {run['pipeline_seconds']:.1f} s, exit code "
        f"{run['exit_code']}{failed}"
    )
    if run["kpis"] is not None and published:
        out["check_spark"] = baseline.compare(run.pop("kpis"), published, SPARK_REL_TOL)
        _log(f"{scale.label}: Spark KPIs equal DuckDB's: {out['check_spark']['equal']}")
    _log(f"{scale.label}: no incremental day on Spark (its incremental models are full tables)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--large", action="store_true", help="also run 1,000,000 customers")
    parser.add_argument("--scales", help="comma-separated customer counts (overrides the defaults)")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    parser.add_argument(
        "--target",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="spark: also run the cold pipeline on Spark local[2], compared stage by stage",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument(
        "--skip-incremental-check",
        action="store_true",
        help="do not re-run the baseline to check the incremental run's KPIs",
    )
    parser.add_argument(
        "--keep-work",
        action="store_true",
        help="keep the run's landing links and warehouse under <cache>/runs/",
    )
    args = parser.parse_args(argv)
    scales = (
        [int(x.replace("_", "")) for x in args.scales.split(",")]
        if args.scales
        else list(DEFAULT_SCALES) + ([LARGE_SCALE] if args.large else [])
    )

    meta = _machine()
    if args.target == "spark":
        from importlib.metadata import version

        meta["spark"] = f"pyspark {version('pyspark')}, dbt-spark {version('dbt-spark')}"
    from orchestration.dbt_manifest import ensure_manifest

    ensure_manifest()  # the pipeline phases load the code location, which reads it
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    results: list[dict] = []
    failed = False
    for n in scales:
        try:
            results.append(
                bench_scale(Scale(n, args.months, args.seed), args.cache_dir, args, stamp)
            )
        except Exception as exc:  # noqa: BLE001 - report what was measured so far
            _log(f"{n} customers: FAILED: {exc}")
            failed = True
            break
        finally:
            _write(meta, results, stamp)
    text = report.markdown(meta, results)
    print("\n" + text)
    _log(f"results: {RESULTS_DIR / (stamp + '.json')}, {RESULTS_DIR / 'latest.md'}")
    return 1 if failed else 0


def _write(meta: dict, results: list[dict], stamp: str) -> None:
    payload = {"machine": meta, "results": results}
    (RESULTS_DIR / f"{stamp}.json").write_text(json.dumps(payload, indent=1, default=str))
    (RESULTS_DIR / "latest.json").write_text(json.dumps(payload, indent=1, default=str))
    text = report.markdown(meta, results)
    (RESULTS_DIR / f"{stamp}.md").write_text(text)
    (RESULTS_DIR / "latest.md").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
