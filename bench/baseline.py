"""The baseline: bench/baseline.sql, one hand-written DuckDB script over the landing files, and
the check that its KPIs equal the pipeline's `published.cco_kpi_monthly`."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "baseline.sql"
REL_TOL = 1e-6
ABS_TOL = 1e-9  # for values that are zero on one side (sums of cancelling doubles)


def statements(script: str) -> list[tuple[str, str]]:
    """(label, sql) per statement: a statement ends with `;` at the end of a line."""
    out = []
    for chunk in re.split(r";[ \t]*\n", script + "\n"):
        body = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--"))
        if not body.strip():
            continue
        m = re.search(r"(?:TABLE|MACRO)\s+(\w+)", body) or re.search(r"^\s*(\w+)", body)
        out.append((m.group(1) if m else body.strip()[:30], body))
    return out


def run(landing: Path, threads: int | None = None) -> dict:
    """Run the script in-process (in-memory DuckDB); the KPIs and the time of every statement."""
    import duckdb

    from bench.memory import Sampler, peak_in
    from sources.phones import to_e164

    with Sampler() as sampler:
        t0 = time.time()
        con = duckdb.connect(":memory:")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET VARIABLE landing = ?", [str(landing)])
        con.create_function(
            "to_e164",
            lambda raw: to_e164(raw),
            [duckdb.sqltype("VARCHAR")],
            duckdb.sqltype("VARCHAR"),
            null_handling="special",
            side_effects=False,
        )
        timings = []
        for label, sql in statements(SCRIPT.read_text()):
            started = time.time()
            con.execute(sql)
            timings.append(
                {
                    "statement": label,
                    "seconds": time.time() - started,
                    "start": started,
                    "end": time.time(),
                }
            )
        rows = con.sql(
            "SELECT month::varchar, kpi, value, numerator, denominator FROM kpis "
            "ORDER BY month, kpi"
        ).fetchall()
        facts = dict(
            zip(
                ("customers_with_revenue", "calls", "surveys", "phones"),
                con.sql(
                    "SELECT (SELECT count(DISTINCT customer_id) FROM mrr), (SELECT count(*) FROM calls), "
                    "(SELECT count(*) FROM surveys), (SELECT count(*) FROM phones)"
                ).fetchone(),
                strict=True,
            )
        )
        con.close()
        t1 = time.time()
    for t in timings:
        t["peak"] = peak_in(sampler.samples, [(t["start"], t["end"])])
    return {
        "seconds": t1 - t0,
        "peak": peak_in(sampler.samples, [(t0, t1)]),
        "statements": timings,
        "kpis": rows,
        "facts": facts,
    }


def published_kpis(warehouse: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            "SELECT month::varchar, kpi, value, numerator, denominator "
            "FROM published.cco_kpi_monthly ORDER BY month, kpi"
        ).fetchall()


def _close(a: float | None, b: float | None, rel_tol: float = REL_TOL) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return a is None and b is None
    return abs(a - b) <= max(ABS_TOL, rel_tol * max(abs(a), abs(b)))


def compare(pipeline: list[tuple], baseline: list[tuple], rel_tol: float = REL_TOL) -> dict:
    """Every (month, kpi) of either side; value, numerator and denominator within tolerance."""
    p = {(r[0], r[1]): r[2:] for r in pipeline}
    b = {(r[0], r[1]): r[2:] for r in baseline}
    mismatches = []
    for key in sorted(p.keys() | b.keys()):
        if key not in p or key not in b:
            mismatches.append(
                {
                    "month": key[0],
                    "kpi": key[1],
                    "field": "row",
                    "pipeline": "present" if key in p else "missing",
                    "baseline": "present" if key in b else "missing",
                }
            )
            continue
        for i, name in enumerate(("value", "numerator", "denominator")):
            if not _close(p[key][i], b[key][i], rel_tol):
                mismatches.append(
                    {
                        "month": key[0],
                        "kpi": key[1],
                        "field": name,
                        "pipeline": p[key][i],
                        "baseline": b[key][i],
                    }
                )
    return {
        "rows_pipeline": len(p),
        "rows_baseline": len(b),
        "compared": len(p.keys() & b.keys()),
        "mismatches": mismatches,
        "equal": not mismatches,
    }
