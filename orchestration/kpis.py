"""`c360 kpis`: the published KPIs, from whichever target is configured.

By default the latest published month as a readable table; `--all` every month; `--format csv`
the rows of `published.cco_kpi_monthly` as CSV with the header `CSV_HEADER` (month as YYYY-MM-DD,
empty for null). Exit 1, with the reason on stderr, when nothing was ever published.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import sys

import pandas as pd

from orchestration.settings import Settings
from orchestration.warehouse import query_frame

CSV_HEADER = ["month", "kpi", "value", "numerator", "denominator", "run_id", "published_at"]
QUERY = (
    "select month, kpi, value, numerator, denominator, run_id, published_at "
    "from published.cco_kpi_monthly order by month, kpi"
)


class NothingPublished(Exception):
    pass


def published_kpis(settings: Settings) -> pd.DataFrame:
    if settings.target == "duckdb" and not settings.warehouse.exists():
        raise NothingPublished(f"no warehouse at {settings.warehouse}: run `c360 run` first")
    try:
        frame = query_frame(settings, QUERY)
    except Exception as exc:
        if "cco_kpi_monthly" not in str(exc):
            raise
        raise NothingPublished(
            "no KPIs were ever published (published.cco_kpi_monthly does not exist): "
            "run `c360 run`; publication happens only when every blocking gate passes"
        ) from exc
    if not len(frame):
        raise NothingPublished("published.cco_kpi_monthly is empty: nothing was published")
    frame["month"] = [pd.Timestamp(m).date() for m in frame["month"]]
    return frame


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return pd.Timestamp(value).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_csv(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in frame[CSV_HEADER].itertuples(index=False):
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def to_table(frame: pd.DataFrame) -> str:
    """A fixed-width table per month: kpi, value, numerator, denominator."""
    lines = []
    for month, rows in frame.groupby("month", sort=True):
        first = rows.iloc[0]
        lines.append(
            f"{month:%B %Y} — published {_cell(first['published_at'])[:19]} UTC "
            f"(run {first['run_id']})"
        )
        lines.append(f"  {'kpi':<26} {'value':>18} {'numerator':>18} {'denominator':>18}")
        for r in rows.itertuples(index=False):
            lines.append(
                f"  {r.kpi:<26} {_number(r.value):>18} {_number(r.numerator):>18} "
                f"{_number(r.denominator):>18}"
            )
        lines.append("")
    return "\n".join(lines)


def _number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def print_kpis(settings: Settings, all_months: bool, fmt: str) -> int:
    try:
        frame = published_kpis(settings)
    except NothingPublished as exc:
        print(f"c360 kpis: {exc}", file=sys.stderr)
        return 1
    if not all_months:
        frame = frame[frame["month"] == frame["month"].max()]
    sys.stdout.write(to_csv(frame) if fmt == "csv" else to_table(frame))
    return 0
