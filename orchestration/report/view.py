"""What the scorecard shows, worked out from `ReportData`: the decisions, not the markup.

Each section of the page gets a small view object here (a tile, the MRR bridge, the at-risk list);
the templates under templates/ only lay them out. Numbers are formatted by the catalogue's
helpers, registered as template filters by render.py.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from markupsafe import Markup

from orchestration.report import charts
from orchestration.report.catalogue import (
    GROUPS,
    KPIS,
    MIN_RESPONSES,
    MINUS,
    REASONS,
    Kpi,
    Reason,
    format_delta,
    format_value,
    is_zero_at_display,
    kpi_spec,
    reasons_of,
)
from orchestration.report.data import (
    CUSTOMER_TABLE,
    GATES_TABLE,
    KPI_TABLE,
    LOG_TABLE,
    RESTATEMENTS_TABLE,
    ReportData,
)
from orchestration.report.formats import month_long, month_short
from orchestration.report.stats import nps_interval_from_net, wilson_interval

AT_RISK_SHOWN = 25  # rows in the at-risk table before "show all"
GROUP_NOTES = {
    "Retention": "Who stayed, who left, and who is likely to leave next.",
    "Revenue": "Monthly recurring revenue and what moved it.",
    "Service": "The contact center, over inbound calls.",
    "Experience": "Post-call surveys.",
    "Other": "KPIs published without a place on this scorecard yet.",
}
# The order the provenance footer lists the tables in: the KPIs first, the audit trail last.
TABLE_ORDER = {KPI_TABLE: 0, CUSTOMER_TABLE: 1, LOG_TABLE: 2, GATES_TABLE: 3, RESTATEMENTS_TABLE: 4}


def _number_attr(value: float | None) -> str:
    """A value as a data-* attribute: exact (repr), empty when there is none."""
    return "" if value is None else repr(float(value))


# ----------------------------------------------------------------------------- KPI tiles


@dataclass(frozen=True)
class Delta:
    direction: str  # none (nothing to compare with) | flat | up | down
    sentiment: str = "neutral"  # good | bad | neutral
    text: str = ""  # what a tile without a comparison says
    value: str = ""  # the change, formatted for its kind
    relative: str = ""  # the change in per cent, for money and counts
    vs: str = ""  # "vs Sep"


@dataclass(frozen=True)
class Sample:
    text: str
    n: str | None = None  # the responses, for data-n
    caveat: bool = False  # too few responses to act on


@dataclass(frozen=True)
class Restated:
    first_value: float | None  # as first published
    when: dt.datetime | None

    @property
    def first_attr(self) -> str:
        return _number_attr(self.first_value)


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    state: str  # ok | insufficient | null | missing
    value: str  # data-value
    shown: str
    delta: Delta
    sample: Sample | None
    note: str | None
    restated: Restated | None
    spark: Markup  # inline SVG, empty when there is nothing to draw
    months: list[dt.date]


@dataclass(frozen=True)
class Group:
    name: str
    note: str
    tiles: list[Tile]
    bridge: Bridge | None  # the Revenue group carries the MRR bridge


def _sample(kpi: Kpi, row: dict | None) -> tuple[Sample, bool]:
    """The sample-size line of a survey KPI, and whether it rests on too few responses."""
    if row is None or row.get("denominator") is None:
        return Sample("no responses"), True
    n = row["denominator"]
    few = n < MIN_RESPONSES
    interval = ""
    if not few and kpi.name == "csat" and row.get("numerator") is not None:
        ci = wilson_interval(row["numerator"], n)
        if ci:
            interval = f" · 95% CI {ci[0] * 100:.1f}–{ci[1] * 100:.1f}%"
    elif not few and kpi.name == "nps" and row.get("numerator") is not None:
        ci = nps_interval_from_net(row["numerator"], n)
        if ci:
            interval = f" · 95% CI {format_value(ci[0], 'nps')} to {format_value(ci[1], 'nps')}"
    text = f"n = {n:,.0f}{interval}" if interval else f"n = {n:,.0f} responses"
    if few:
        text = f"too few responses (n = {n:,.0f}, fewer than {MIN_RESPONSES})"
    return Sample(text, f"{n:.0f}", caveat=few), few


def _delta(
    kpi: Kpi,
    current: float | None,
    previous: float | None,
    prev_month: dt.date | None,
    month: dt.date,
    muted: bool,
) -> Delta:
    if prev_month is None:
        return Delta("none", text="first month")
    vs = f"vs {month_short(prev_month, month)}"
    if current is None or previous is None:
        return Delta("none", text=f"no comparison {vs}")
    d = current - previous
    if is_zero_at_display(d, kpi.kind):
        return Delta("flat", vs=vs)
    up = d > 0
    if muted or kpi.higher_is_better is None:
        sentiment = "neutral"
    else:
        sentiment = "good" if up == kpi.higher_is_better else "bad"
    relative = ""
    if kpi.kind in ("money", "count") and previous:
        pct = d / abs(previous) * 100
        if abs(pct) >= 0.05:
            relative = f"{'+' if pct > 0 else MINUS}{abs(pct):.1f}%"
    return Delta("up" if up else "down", sentiment, "", format_delta(d, kpi.kind), relative, vs)


def tile(data: ReportData, kpi: Kpi) -> Tile:
    month, prev = data.latest_month, data.previous_month
    row = data.row(kpi.name, month)
    prev_row = data.row(kpi.name, prev)
    value = row["value"] if row else None
    previous = prev_row["value"] if prev_row else None
    sample, few, prev_few = None, False, False
    if kpi.survey:
        sample, few = _sample(kpi, row)
        prev_few = bool(prev_row and (prev_row.get("denominator") or 0) < MIN_RESPONSES)
    if row is None:
        state, note = "missing", "not published for this month"
    elif value is None:
        state = "insufficient" if few else "null"
        note = "not defined this month (no prior month, or nothing to divide by)"
    else:
        state, note = ("insufficient" if few else "ok"), None
    restated = None
    if (found := data.restatement(kpi.name, month)) is not None:
        first, when = found
        restated = Restated(first, when)
    months = data.series(kpi.name)
    spark = charts.sparkline(
        months,
        scale=100 if kpi.kind == "rate" else 1,
        title=f"{kpi.label}, 12 months",
        colour=charts.MUTED if few else charts.LINE,
    )
    return Tile(
        kpi,
        state,
        _number_attr(value),
        format_value(value, kpi.kind),
        _delta(kpi, value, previous, prev, month, muted=few or prev_few),
        sample,
        note,
        restated,
        Markup(spark),  # SVG that vl-convert drew from our own chart spec: markup, not text
        [m for m, _ in months],
    )


def groups(data: ReportData, bridge: Bridge) -> list[Group]:
    known = {k.name for k in KPIS}
    extra = sorted(set(data.kpis["kpi"]) - known)
    members = [(g, [k for k in KPIS if k.group == g]) for g in GROUPS]
    if extra:
        members.append(("Other", [kpi_spec(n) for n in extra]))
    return [
        Group(
            name,
            GROUP_NOTES.get(name, ""),
            [tile(data, k) for k in kpis],
            bridge if name == "Revenue" else None,
        )
        for name, kpis in members
    ]


# ----------------------------------------------------------------------------- MRR bridge

MOVEMENTS = [
    ("new_mrr_usd", "New", 1),
    ("reactivation_mrr_usd", "Reactivated", 1),
    ("expansion_mrr_usd", "Expansion", 1),
    ("contraction_mrr_usd", "Contraction", -1),
    ("churned_mrr_usd", "Churned", -1),
]


@dataclass(frozen=True)
class Movement:
    key: str  # data-movement: previous, each movement's KPI, mrr_usd
    label: str
    amount: str
    kind: str  # total | increase | decrease


@dataclass(frozen=True)
class Bridge:
    month: dt.date
    previous_month: dt.date | None
    chart: Markup | None  # None: no bridge this month
    movements: list[Movement]
    gap: str | None  # how far the movements miss the two MRR figures, when they do
    net: str


def bridge(data: ReportData) -> Bridge:
    month, prev = data.latest_month, data.previous_month
    current = data.value("mrr_usd", month)
    previous = data.value("mrr_usd", prev) if prev else None
    values = {k: data.value(k, month) for k, _, _ in MOVEMENTS}
    if (
        current is None
        or previous is None
        or any(values[k] is None for k, _, _ in MOVEMENTS if k != "new_mrr_usd")
    ):
        return Bridge(month, prev, None, [], None, "")
    signed = [(label, sign * (values[k] or 0.0), k) for k, label, sign in MOVEMENTS]
    steps = charts.waterfall_steps(
        f"{month_short(prev, month)} MRR",
        previous,
        [(label, amount) for label, amount, _ in signed],
        f"{month_short(month)} MRR",
        current,
    )
    gap = current - (previous + sum(a for _, a, _ in signed))
    movements = [Movement("previous", f"MRR {month_long(prev)}", _money(previous), "total")]
    movements += [
        Movement(k, label, format_delta(amount, "money"), "increase" if amount >= 0 else "decrease")
        for label, amount, k in signed
    ]
    movements.append(Movement("mrr_usd", f"MRR {month_long(month)}", _money(current), "total"))
    return Bridge(
        month,
        prev,
        Markup(charts.waterfall(steps)),  # SVG drawn from our own chart spec
        movements,
        None if abs(gap) < 0.5 else _money(abs(gap)),
        format_delta(current - previous, "money"),
    )


def _money(x: float | None) -> str:
    return format_value(x, "money")


# ----------------------------------------------------------------------------- at-risk list


@dataclass(frozen=True)
class AtRiskRow:
    rank: int
    customer_id: str
    name: str
    mrr: str
    score: str
    reasons: list[Reason]
    more: bool  # beyond the first AT_RISK_SHOWN: listed under "show all"


@dataclass(frozen=True)
class Driver:
    reason: Reason
    customers: int
    mrr: str
    share: float  # per cent of the MRR at risk: the bar's width


@dataclass(frozen=True)
class AtRiskList:
    error: str | None
    as_of: dt.date | None = None
    count: int = 0
    mrr: str = ""
    share: str = ""  # " (3.4% of MRR)"
    caveats: tuple[str, ...] = ()
    drivers: tuple[Driver, ...] = ()
    shown: tuple[AtRiskRow, ...] = ()
    more: tuple[AtRiskRow, ...] = ()  # behind "show all"
    legend: tuple[Reason, ...] = ()


def at_risk(data: ReportData) -> AtRiskList:
    risk = data.at_risk
    if risk.error:
        return AtRiskList(risk.error)
    customers = risk.customers
    total_mrr = float(customers["current_mrr_usd"].fillna(0).sum()) if len(customers) else 0.0
    mrr_now = data.value("mrr_usd", risk.as_of_month) or data.value("mrr_usd", data.latest_month)
    caveats = []
    if data.status.state != "validated":
        caveats.append(
            "This list comes from the latest warehouse build, which did not pass "
            "the quality gates: read it with care."
        )
    if risk.as_of_month and data.latest_month and risk.as_of_month != data.latest_month:
        caveats.append(
            f"It is as of {month_long(risk.as_of_month)}, while the KPIs above are "
            f"for {month_long(data.latest_month)}."
        )
    rows = [
        AtRiskRow(
            i,
            r.customer_id,
            r.customer_name or r.customer_id,
            _money(r.current_mrr_usd),
            _score(r.health_score),
            reasons_of(r.health_reasons),
            i > AT_RISK_SHOWN,
        )
        for i, r in enumerate(customers.itertuples(), start=1)
    ]
    return AtRiskList(
        None,
        risk.as_of_month,
        len(customers),
        _money(total_mrr),
        f" ({total_mrr / mrr_now * 100:.1f}% of MRR)" if mrr_now else "",
        tuple(caveats),
        tuple(_drivers(customers, total_mrr)),
        tuple(rows[:AT_RISK_SHOWN]),
        tuple(rows[AT_RISK_SHOWN:]),
        tuple(sorted(REASONS.values(), key=lambda r: -r.points)),
    )


def _score(score) -> str:
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return ""
    return f"{int(score)}"


def _drivers(customers, total_mrr: float) -> list[Driver]:
    """How many at-risk customers, and how much of their MRR, each reason touches."""
    if not len(customers):
        return []
    codes = [{c.strip() for c in (r or "").split(",")} for r in customers["health_reasons"]]
    mrr = [float(x) for x in customers["current_mrr_usd"].fillna(0.0)]
    stats = []
    for reason in REASONS.values():
        hit = [i for i, cs in enumerate(codes) if reason.code in cs]
        stats.append((reason, len(hit), sum(mrr[i] for i in hit)))
    stats.sort(key=lambda t: (-t[2], -t[1], t[0].label))
    return [
        Driver(reason, n, _money(m), m / total_mrr * 100 if total_mrr else 0.0)
        for reason, n, m in stats
    ]


# ----------------------------------------------------------------------------- the rest


@dataclass(frozen=True)
class RestatedRow:
    month: dt.date
    kpi: Kpi
    first: float | None
    when: dt.datetime | None
    now: float | None


def restatements(data: ReportData) -> list[RestatedRow]:
    """Numbers that changed after the CCO was first shown them (late or corrected deliveries)."""
    return [
        RestatedRow(month, kpi_spec(name), first, when, data.value(name, month))
        for (month, name), (first, when) in sorted(data.restated.items(), reverse=True)
    ]


def tables_read(data: ReportData) -> list[tuple[str, int | None]]:
    return sorted(data.tables_read.items(), key=lambda kv: TABLE_ORDER.get(kv[0], 9))


@dataclass(frozen=True)
class Scorecard:
    data: ReportData
    title: str
    subtitle: str
    groups: list[Group] | None  # None: nothing published to show
    restatements: list[RestatedRow]
    at_risk: AtRiskList | None
    tables: list[tuple[str, int | None]]
    min_responses: int = MIN_RESPONSES


def scorecard(data: ReportData) -> Scorecard:
    month, prev = data.latest_month, data.previous_month
    tables = tables_read(data)
    if data.status.state == "never" or month is None:
        title = "No validated KPIs yet"
        subtitle = "The scorecard fills in once the pipeline has published."
        return Scorecard(data, title, subtitle, None, [], None, tables)
    subtitle = (
        f"Latest complete month · compared with {month_long(prev)} · amounts in USD"
        if prev
        else "Latest complete month · amounts in USD"
    )
    # the bridge's chart is drawn before the tiles' ones, as the page has always numbered them
    revenue_bridge = bridge(data)
    return Scorecard(
        data,
        month_long(month),
        subtitle,
        groups(data, revenue_bridge),
        restatements(data),
        at_risk(data),
        tables,
    )
