"""Results as Markdown: a summary across scale factors, per-stage tables, targets, the KPI check."""

from __future__ import annotations

GIB = 1024**3
DEMO_CUSTOMERS = 5_000  # the size `make run` generates
MIB = 1024**2


def _mib(peak: dict | None, key: str = "total") -> str:
    return f"{peak[key] / MIB:,.0f}" if peak else "–"


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:,.2f}" if seconds < 10 else f"{seconds:,.1f}"


def _pct(part: float | None, whole: float | None) -> str:
    return f"{100 * part / whole:.1f} %" if part is not None and whole else "–"


def _stage_rows(run: dict | None) -> dict[str, dict]:
    return {s["stage"]: s for s in run["stages"]} if run else {}


def _stage_names(first: dict, second: dict) -> list[str]:
    """The stages of two runs in the first's order, the second's extras after; start-up last."""
    names = list(first) + [n for n in second if n not in first]
    return [n for n in names if not n.startswith("startup")] + [
        n for n in names if n.startswith("startup")
    ]


def _label(name: str, row: dict) -> str:
    if row["kind"] == "step-total":
        return f"= {name}"
    indent = "&nbsp;&nbsp;↳ " if row["kind"] == "dbt" else ""
    return f"{indent}{name}" + (" *(not in total)*" if name.startswith("startup") else "")


def quality_share(run: dict | None) -> float | None:
    if not run:
        return None
    gate_steps = {"raw_layer_gates", "quality_gates"}
    gates = [s["seconds"] for s in run["stages"] if s["stage"] in gate_steps]
    return sum(gates) / run["pipeline_seconds"] if gates else None


def scale_section(res: dict) -> str:
    cold, incr, base = res.get("cold"), res.get("incremental"), res.get("baseline")
    gen = res["generation"]
    lines = [f"### {res['label']} (seed {res['seed']})", ""]
    records = sum(gen["records"].values())
    lines.append(
        f"Landing: {gen['files']:,} files, {gen['bytes'] / MIB:,.0f} MiB, "
        f"{records:,} records (lines/rows, re-deliveries and bad lines included). "
        f"Generation {'reused from the cache (time of the original generation)' if res['generation_cached'] else 'ran now'}."
    )
    commits = {
        label: run.get("git")
        for label, run in (("cold", cold), ("incremental", incr))
        if run and run.get("git")
    }
    if commits:
        lines.append(
            "Code measured: " + ", ".join(f"{k} run at {v}" for k, v in commits.items()) + "."
        )
    lines.append("")
    lines.append(
        "| stage | cold s | % of cold | cold peak RSS MiB | incremental s | % of incr. | incr. peak RSS MiB |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    lines.append(
        f"| generation (landing files) | {_s(gen['generation_seconds'])} | | "
        f"{_mib(gen.get('generation_peak'))} | | | |"
    )
    c_rows, i_rows = _stage_rows(cold), _stage_rows(incr)
    names = _stage_names(c_rows, i_rows)
    cold_total = cold["pipeline_seconds"] if cold else None
    incr_total = incr["pipeline_seconds"] if incr else None
    for name in names:
        c, i = c_rows.get(name), i_rows.get(name)
        lines.append(
            f"| {_label(name, c or i)} | {_s(c and c['seconds'])} | "
            f"{_pct(c and c['seconds'], cold_total) if not name.startswith('startup') else ''} | "
            f"{_mib(c and c['peak'])} | {_s(i and i['seconds'])} | "
            f"{_pct(i and i['seconds'], incr_total) if not name.startswith('startup') else ''} | "
            f"{_mib(i and i['peak'])} |"
        )
    lines.append(
        f"| **pipeline total** (`execute`, in-process) | **{_s(cold_total)}** | 100 % | "
        f"**{_mib(cold and cold['peak'])}** | **{_s(incr_total)}** | 100 % | "
        f"**{_mib(incr and incr['peak'])}** |"
    )
    lines.append("")
    summary = []
    if cold:
        summary.append(
            f"- cold run: exit code {cold['exit_code']} "
            f"({'published' if cold['published'] else 'NOT published'})"
            + (f"; failed checks: {cold['failed_checks']}" if cold["failed_checks"] else "")
            + (f"; failed steps: {cold['failed_steps']}" if cold["failed_steps"] else "")
        )
    if base:
        ratio = cold_total / base["seconds"] if cold_total else None
        summary.append(
            f"- **baseline** (bench/baseline.sql, one DuckDB script over the landing files): "
            f"{_s(base['seconds'])} s, peak RSS {_mib(base['peak'])} MiB → "
            f"**pipeline / baseline = {ratio:.1f}×**"
            if ratio
            else ""
        )
        top = sorted(base["statements"], key=lambda t: -t["seconds"])[:4]
        summary.append(
            "  - baseline's slowest statements: "
            + ", ".join(f"`{t['statement']}` {_s(t['seconds'])} s" for t in top)
        )
    if incr:
        summary.append(
            f"- **incremental day** (one more daily delivery, {res.get('incremental_delivery', {}).get('delivery_date', '?')}): "
            f"{_s(incr_total)} s = **{_pct(incr_total, cold_total)} of cold**; exit code "
            f"{incr['exit_code']} ({'published' if incr['published'] else 'NOT published'})"
            + (
                f"; it changed {res['incremental_changed_fields']} published KPI field(s)"
                if "incremental_changed_fields" in res
                else ""
            )
        )
    for label, run in (("cold", cold), ("incremental", incr)):
        share = quality_share(run)
        if share is not None:
            summary.append(f"- quality gates share of the {label} run: {100 * share:.1f} %")
    for label, key in (("cold", "check_cold"), ("incremental", "check_incremental")):
        check = res.get(key)
        if check:
            summary.append(
                f"- **KPI check, {label}** (baseline vs `published.cco_kpi_monthly`, "
                f"rel. tol. 1e-6): {check['compared']} (month, kpi) rows compared — "
                + (
                    "**all equal**"
                    if check["equal"]
                    else f"**{len(check['mismatches'])} mismatching field(s)**"
                )
            )
            for m in check["mismatches"][:15]:
                summary.append(
                    f"  - {m['month']} `{m['kpi']}` {m['field']}: pipeline {m['pipeline']!r}, "
                    f"baseline {m['baseline']!r}"
                )
    lines += [s for s in summary if s]
    if cold and cold.get("dbt_nodes"):
        lines += [
            "",
            "Slowest dbt nodes (cold, compile+execute, s): "
            + ", ".join(
                f"`{n['unique_id'].split('.')[-1]}` {n['end'] - n['start']:.1f}"
                for n in cold["dbt_nodes"][:8]
            ),
        ]
    if cold and cold.get("ingestion"):
        lines += [
            "",
            "| ingestion (cold) | files | records read | rejected | s | records/s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for table, m in cold["ingestion"].items():
            secs = m.get("seconds")  # the entity's own time within the one ingestion step
            rate = f"{m['records_read'] / secs:,.0f}" if secs else "–"
            lines.append(
                f"| {table} | {m['files_ingested']} | {m['records_read']:,} | "
                f"{m['records_rejected']:,} | {_s(secs)} | {rate} |"
            )
    if "spark" in res or "spark_error" in res:
        lines += spark_section(res)
    return "\n".join(lines) + "\n"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{b / a:.1f}×" if a and b is not None else "–"


def spark_section(res: dict) -> list[str]:
    """The cold run on Spark against DuckDB's, stage by stage (both in this bench run)."""
    duck, spark = res.get("cold"), res.get("spark")
    lines = ["", "Spark (`local[2]`) against DuckDB, cold runs of this bench run:", ""]
    if not spark:
        return lines + [f"- the Spark run died: {res['spark_error']}"]
    lines += ["| stage | DuckDB s | Spark s | Spark / DuckDB |", "|---|---:|---:|---:|"]
    d_rows, s_rows = _stage_rows(duck), _stage_rows(spark)
    for name in _stage_names(d_rows, s_rows):
        d, s = d_rows.get(name), s_rows.get(name)
        failed = spark["steps"].get(name, {}).get("status") == "failure"
        d_s, s_s = d and d["seconds"], s and s["seconds"]
        lines.append(
            f"| {_label(name, d or s)}{' **(failed on Spark)**' if failed else ''} | {_s(d_s)} | "
            f"{_s(s_s)} | {_ratio(d_s, s_s)} |"
        )
    d_t, s_t = duck and duck["pipeline_seconds"], spark["pipeline_seconds"]
    lines += [
        f"| **pipeline total** | **{_s(d_t)}** | **{_s(s_t)}** | **{_ratio(d_t, s_t)}** |",
        "",
        f"- Spark run: exit code {spark['exit_code']} "
        f"({'published' if spark['published'] else 'NOT published'})"
        + (f"; failed steps: {spark['failed_steps']}" if spark["failed_steps"] else "")
        + (
            f"; failed checks: {[_short(c) for c in spark['failed_checks']]}"
            if spark["failed_checks"]
            else ""
        )
        + f"; peak RSS {_mib(spark['peak'])} MiB (DuckDB {_mib(duck and duck['peak'])} MiB)"
        + f"; load average after DuckDB / Spark: {duck and duck.get('loadavg')} / "
        f"{spark.get('loadavg')}",
    ]
    check = res.get("check_spark")
    if check:
        lines.append(
            f"- **KPI check, Spark vs DuckDB** (`published.cco_kpi_monthly` of both, rel. tol. "
            f"1e-9): {check['compared']} (month, kpi) rows compared — "
            + (
                "**all equal**"
                if check["equal"]
                else f"**{len(check['mismatches'])} mismatching field(s)**"
            )
        )
        lines += [
            f"  - {m['month']} `{m['kpi']}` {m['field']}: Spark {m['pipeline']!r}, "
            f"DuckDB {m['baseline']!r}"
            for m in check["mismatches"][:15]
        ]
    else:
        lines.append(
            "- KPI check, Spark vs DuckDB: not made ("
            + (spark.get("kpis_error") or "a run did not publish")
            + ")"
        )
    lines.append(
        "- no incremental day on Spark: there the incremental models are tables rebuilt whole, "
        "so a day costs about a cold build"
    )
    if spark.get("dbt_nodes"):
        lines.append(
            "- slowest dbt nodes on Spark (compile+execute, s): "
            + ", ".join(
                f"`{n['unique_id'].split('.')[-1]}` {n['end'] - n['start']:.1f}"
                for n in spark["dbt_nodes"][:8]
            )
        )
    return lines


def _short(text: str, limit: int = 300) -> str:
    """A failed check's summary without the Java stack trace Spark's errors carry."""
    line = text.splitlines()[0] if text else text
    return line if len(line) <= limit else line[:limit] + " …"


def _spark_row(r: dict) -> str:
    duck, spark, check = r.get("cold"), r.get("spark"), r.get("check_spark")
    d_t, s_t = duck and duck["pipeline_seconds"], spark and spark["pipeline_seconds"]
    cells = [
        r["label"],
        _s(d_t),
        _s(s_t) if spark else "died",
        _ratio(d_t, s_t),
        "–" if not check else "yes" if check["equal"] else f"NO ({len(check['mismatches'])})",
        f"{duck and duck.get('loadavg')} / {spark and spark.get('loadavg')}",
    ]
    return "| " + " | ".join(cells) + " |"


def targets(results: list[dict]) -> list[tuple[str, str, str]]:
    by = {r["customers"]: r for r in results}
    out = []

    def cold_total(n):
        return by[n]["cold"]["pipeline_seconds"] if n in by and by[n].get("cold") else None

    m = by.get(1_000_000)
    if m and m.get("cold") and m.get("baseline"):
        ratio = m["cold"]["pipeline_seconds"] / m["baseline"]["seconds"]
        out.append(
            (
                "cold pipeline at 1M ≤ 2× baseline",
                f"{ratio:.1f}×",
                "met" if ratio <= 2 else f"MISSED by {ratio / 2:.1f}× ({ratio:.1f}× vs 2×)",
            )
        )
        peak = m["cold"]["peak"]["total"] / GIB
        out.append(
            (
                "cold pipeline at 1M peak memory ≤ 4 GiB",
                f"{peak:.2f} GiB",
                "met" if peak <= 4 else f"MISSED by {peak - 4:.2f} GiB",
            )
        )
    else:
        out.append(
            (
                "cold pipeline at 1M ≤ 2× baseline, ≤ 4 GiB",
                "not measured",
                "run `make bench` with `--large`",
            )
        )
    for n, budget in ((100_000, 0.10), (1_000_000, 0.05)):
        r = by.get(n)
        if r and r.get("incremental") and r.get("cold"):
            share = r["incremental"]["pipeline_seconds"] / r["cold"]["pipeline_seconds"]
            out.append(
                (
                    (
                        f"incremental day ≤ {100 * budget:.0f} % of cold at "
                        f"{r['label'].split(' x')[0]}"
                    ),
                    f"{100 * share:.1f} %",
                    "met"
                    if share <= budget
                    else f"MISSED by {100 * (share - budget):.1f} points "
                    f"({share / budget:.1f}× the budget)",
                )
            )
    demo = by.get(DEMO_CUSTOMERS)
    if demo and demo.get("cold"):
        t = demo["cold"]["pipeline_seconds"]
        out.append(
            (
                "demo pipeline (5,000 customers, `make run`'s size) ≤ 30 s",
                f"{t:.0f} s"
                + (
                    f" ({t / demo['baseline']['seconds']:.1f}× baseline)"
                    if demo.get("baseline")
                    else ""
                ),
                "met" if t <= 30 else f"MISSED by {t - 30:.0f} s",
            )
        )
    worst = None
    for r in results:
        for label in ("cold", "incremental"):
            share = quality_share(r.get(label))
            if share is not None and (worst is None or share > worst[0]):
                worst = (share, f"{r['label'].split(' x')[0]} {label}")
    if worst:
        out.append(
            (
                "quality gates ≤ 10 % of any run",
                f"max {100 * worst[0]:.1f} % ({worst[1]})",
                "met" if worst[0] <= 0.10 else f"MISSED by {100 * worst[0] - 10:.1f} points",
            )
        )
    return out


def _summary_row(r: dict) -> str:
    cold, incr, base = r.get("cold"), r.get("incremental"), r.get("baseline")
    ct = cold["pipeline_seconds"] if cold else None
    gen = f"{_s(r['generation']['generation_seconds'])}{' (cached)' if r['generation_cached'] else ''}"
    verdicts = []
    for key in ("check_cold", "check_incremental"):
        check = r.get(key)
        verdicts.append(
            "–" if not check else "yes" if check["equal"] else f"NO ({len(check['mismatches'])})"
        )
    share = quality_share(cold)
    cells = [
        r["label"],
        gen,
        _s(ct),
        f"{cold['peak']['total'] / GIB:.2f}" if cold and cold.get("peak") else "–",
        _s(base["seconds"]) if base else "–",
        f"{ct / base['seconds']:.1f}×" if base and ct else "–",
        _s(incr["pipeline_seconds"]) if incr else "–",
        _pct(incr["pipeline_seconds"], ct) if incr and ct else "–",
        f"{100 * share:.1f} %" if share is not None else "–",
        " / ".join(verdicts),
        " / ".join(f"{run['loadavg']}" for run in (cold, incr) if run and run.get("loadavg"))
        or "–",
    ]
    return "| " + " | ".join(cells) + " |"


def markdown(meta: dict, results: list[dict]) -> str:
    lines = [
        f"## Benchmark results — {meta['started_at']}",
        "",
        (
            f"Machine: {meta['cpus']} CPU cores, {meta['memory_gib']:.1f} GiB memory, "
            f"{meta['platform']}; Python {meta['python']}, DuckDB {meta['duckdb']}, "
            f"Dagster {meta['dagster']}, dbt-core {meta['dbt']}. Load average at start: "
            f"{meta['loadavg']}. Code: {meta.get('git', 'unknown')}."
        ),
        "",
        "| scale | generation s | cold pipeline s | cold peak RSS GiB | baseline s | pipeline / baseline | incremental s | incremental / cold | quality gates (cold) | KPIs = baseline | load average after cold / incremental |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        lines.append(_summary_row(r))
    lines += [
        "",
        "KPI check column: cold run / incremental run.",
        "",
        "Targets:",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in targets(results)]
    lines.append("")
    spark = [r for r in results if "spark" in r or "spark_error" in r]
    if spark:
        lines += [
            f"Spark ({meta.get('spark', '?')}, `local[2]`) against DuckDB, cold pipeline, one "
            + "after the other in this run (no incremental day on Spark):",
            "",
            "| scale | DuckDB cold s | Spark cold s | Spark / DuckDB | Spark KPIs = DuckDB | load average after DuckDB / Spark |",
            "|---|---:|---:|---:|---|---|",
            *[_spark_row(r) for r in spark],
            "",
        ]
    for r in results:
        lines.append(scale_section(r))
    return "\n".join(lines)
