"""Charts as inline SVG: Altair specs rendered offline by vl-convert (no browser, no network)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

import altair as alt
import pandas as pd
import vl_convert as vlc

from orchestration.report.catalogue import format_money_short

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK, MUTED, GRID = "#1f2937", "#6b7280", "#e5e7eb"
LINE = "#2563eb"
GOOD, BAD, TOTAL = "#15803d", "#b91c1c", "#475569"

_ids = itertools.count(1)


def _svg(chart: alt.TopLevelMixin) -> str:
    """Render to SVG, with element ids made unique so many charts can share one page."""
    svg = vlc.vegalite_to_svg(chart.to_dict())
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    prefix = f"c{next(_ids)}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)
    return svg


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure(font=FONT, background="transparent").configure_view(stroke=None)


def sparkline(
    points: list[tuple[dt.date, float | None]],
    scale: float = 1.0,
    width: int = 196,
    height: int = 38,
    title: str = "",
    colour: str = LINE,
) -> str:
    """A small trend line of the last months, the latest month marked with a dot."""
    frame = pd.DataFrame(
        {
            "month": [pd.Timestamp(m) for m, _ in points],
            "value": [None if v is None else v * scale for _, v in points],
        }
    )
    known = frame.dropna()
    if len(known) == 0:
        return ""
    lo, hi = known["value"].min(), known["value"].max()
    pad = (hi - lo) * 0.15 or max(abs(hi) * 0.05, 1e-9)
    x = alt.X(
        "month:T",
        axis=None,
        scale=alt.Scale(
            domain=[frame["month"].min().isoformat(), frame["month"].max().isoformat()]
        ),
    )
    y = alt.Y("value:Q", axis=None, scale=alt.Scale(domain=[lo - pad, hi + pad], zero=False))
    base = alt.Chart(frame).encode(x=x, y=y)
    area = base.mark_area(color=colour, opacity=0.08, interpolate="monotone").encode(
        y2=alt.datum(lo - pad)
    )
    line = base.mark_line(color=colour, strokeWidth=1.8, interpolate="monotone")
    last = alt.Chart(known.tail(1)).mark_circle(color=colour, size=34, opacity=1).encode(x=x, y=y)
    chart = (area + line + last).properties(
        width=width, height=height, padding=5, description=title or "trend"
    )
    return _svg(_config(chart))


@dataclass(frozen=True)
class Step:
    label: str
    kind: str  # total | increase | decrease
    amount: float  # signed change (or the level, for a total)
    start: float
    end: float


def waterfall_steps(
    previous_label: str,
    previous: float,
    movements: list[tuple[str, float]],
    current_label: str,
    current: float,
) -> list[Step]:
    """Previous MRR, each movement (signed), then the month's MRR as it was published."""
    steps = [Step(previous_label, "total", previous, 0.0, previous)]
    level = previous
    for label, amount in movements:
        steps.append(
            Step(label, "increase" if amount >= 0 else "decrease", amount, level, level + amount)
        )
        level += amount
    steps.append(Step(current_label, "total", current, 0.0, current))
    return steps


def waterfall(steps: list[Step], width: int = 760, height: int = 300) -> str:
    levels = [s.end for s in steps] + [s.start for s in steps if s.kind != "total"]
    lo, hi = min(levels), max(levels)
    span = hi - lo
    # Start the axis below the lowest level so the month's movements are visible; a bridge of
    # MRR levels a hundred times larger than the movements would show them as slivers otherwise.
    floor = max(0.0, lo - max(span * 0.6, hi * 0.02))
    top = hi + max(span * 0.18, hi * 0.01)
    rows = []
    for order, s in enumerate(steps):
        shown = s.amount if s.kind == "total" else abs(s.amount)
        sign = "" if s.kind == "total" else ("+" if s.kind == "increase" else "\u2212")
        rows.append(
            {
                "order": order,
                "step": s.label,
                "kind": s.kind,
                "y": max(s.start, floor) if s.kind != "total" else floor,
                "y2": s.end,
                "label": sign + format_money_short(shown),
                "label_y": max(s.start, s.end),
            }
        )
    frame = pd.DataFrame(rows)
    order = [s.label for s in steps]
    x = alt.X(
        "step:N",
        sort=order,
        title=None,
        axis=alt.Axis(
            labelAngle=0,
            labelColor=INK,
            labelFontSize=12,
            ticks=False,
            domainColor=GRID,
            labelPadding=8,
        ),
    )
    scale = alt.Scale(domain=[floor, top], zero=False, nice=False)
    colour = alt.Color(
        "kind:N",
        legend=None,
        scale=alt.Scale(domain=["total", "increase", "decrease"], range=[TOTAL, GOOD, BAD]),
    )
    bars = (
        alt.Chart(frame)
        .mark_bar(size=54, cornerRadius=2, clip=True)
        .encode(
            x=x,
            y=alt.Y(
                "y:Q",
                scale=scale,
                title=None,
                axis=alt.Axis(
                    format="$,.0f",
                    labelColor=MUTED,
                    gridColor=GRID,
                    domain=False,
                    ticks=False,
                    tickCount=5,
                    labelFontSize=11,
                ),
            ),
            y2="y2:Q",
            color=colour,
        )
    )
    labels = (
        alt.Chart(frame)
        .mark_text(dy=-8, fontSize=12, fontWeight="bold")
        .encode(
            x=x,
            y=alt.Y("label_y:Q", scale=scale),
            text="label:N",
            color=alt.Color(
                "kind:N",
                legend=None,
                scale=alt.Scale(domain=["total", "increase", "decrease"], range=[INK, GOOD, BAD]),
            ),
        )
    )
    # thin connectors from each bar's end to the next bar's start
    links = pd.DataFrame(
        [{"step": a.label, "next": b.label, "level": a.end} for a, b in itertools.pairwise(steps)]
    )
    connectors = (
        alt.Chart(links)
        .mark_rule(color="#9ca3af", strokeDash=[3, 3])
        .encode(
            x=alt.X("step:N", sort=order, bandPosition=0.5),
            x2="next:N",
            y=alt.Y("level:Q", scale=scale),
        )
    )
    chart = (bars + connectors + labels).properties(
        width=width,
        height=height,
        padding={"left": 12, "right": 8, "top": 12, "bottom": 4},
        description="MRR bridge from last month to this month",
    )
    return _svg(_config(chart))
