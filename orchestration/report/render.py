"""The scorecard as one self-contained HTML page: inline CSS, inline SVG, no scripts, no fetches.

Every element a test (or a screen reader) needs to find carries an id or a data-* attribute:
`#data-status[data-status]`, `.tile[data-kpi]` with `[data-role=value|delta|sample]`,
`#mrr-bridge [data-movement]`, `#at-risk tr[data-customer-id]`.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape

from orchestration.report import charts
from orchestration.report.catalogue import (
    GROUPS,
    KPIS,
    MIN_RESPONSES,
    MINUS,
    REASONS,
    Kpi,
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
    Attempt,
    CheckFailure,
    ReportData,
    Status,
)
from orchestration.report.stats import nps_interval_from_net, wilson_interval
from orchestration.report.style import CSS

AT_RISK_SHOWN = 25  # rows in the at-risk table before "show all"
GROUP_NOTES = {
    "Retention": "Who stayed, who left, and who is likely to leave next.",
    "Revenue": "Monthly recurring revenue and what moved it.",
    "Service": "The contact center, over inbound calls.",
    "Experience": "Post-call surveys.",
    "Other": "KPIs published without a place on this scorecard yet.",
}


def e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def ts(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "an unknown time"


def month_long(m: dt.date | None) -> str:
    return f"{m:%B %Y}" if m else "—"


def month_short(m: dt.date, ref: dt.date | None = None) -> str:
    return f"{m:%b}" if ref is None or ref.year == m.year else f"{m:%b %Y}"


def short_run(run_id: str | None) -> str:
    return (run_id or "?")[:8]


def _truncate(text: str, limit: int = 320) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----------------------------------------------------------------------------- status banner


def _run(run_id: str | None) -> str:
    return f'<code title="{e(run_id)}">{e(short_run(run_id))}</code>'


def _check_list(checks: list[CheckFailure]) -> str:
    items = "".join(
        f'<li data-check="{e(c.name)}"><code class="check">{e(c.name)}</code>'
        + (
            f' — <span class="check-message" title="{e(c.message)}">{e(_truncate(c.message))}</span>'
            if c.message
            else ""
        )
        + "</li>"
        for c in checks
    )
    return f'<ul class="checks">{items}</ul>'


def _attempts_line(attempts: tuple[Attempt, ...]) -> str:
    if len(attempts) < 2:
        return ""
    last = attempts[-1]
    return (
        f'<p class="status-extra">{len(attempts)} runs held back since then; the latest '
        f"at {e(ts(last.attempted_at))} (run {_run(last.run_id)}).</p>"
    )


def status_banner(status: Status) -> str:
    last_good = f"published {e(ts(status.published_at))} (run {_run(status.run_id)})"
    if status.state == "validated":
        warn = ""
        if status.warnings:
            warn = (
                '<p class="status-extra">Non-blocking checks that warned: '
                + "; ".join(
                    f'<code class="check">{e(w.name)}</code> — {e(_truncate(w.message, 160))}'
                    for w in status.warnings
                )
                + "</p>"
            )
        return (
            '<section id="data-status" class="status status-ok" data-status="validated" '
            f'data-run-id="{e(status.run_id)}">'
            '<div class="status-icon" aria-hidden="true">✓</div><div>'
            f'<p class="status-title"><strong>Validated</strong> — {last_good}, data as of '
            f"{e(status.as_of)}</p>"
            '<p class="status-extra">Every blocking data-quality gate passed for these numbers.</p>'
            f"{warn}</div></section>"
        )
    if status.state in ("held_back", "failed"):
        blocked = status.state == "held_back"
        css = "status-blocked" if blocked else "status-failed"
        why = (
            "The latest run did not pass the data-quality gates, so the KPIs were not updated. "
            "Failed checks:"
            if blocked
            else "The latest run failed before the data-quality gates could judge the data, so the "
            "KPIs were not updated:"
        )
        return (
            f'<section id="data-status" class="status {css}" data-status="{e(status.state)}" '
            f'data-run-id="{e(status.run_id)}">'
            '<div class="status-icon" aria-hidden="true">!</div><div>'
            f'<p class="status-title"><strong>{"Held back" if blocked else "Not updated"} since '
            f"{e(ts(status.since))}</strong></p>"
            f"<p>{why}</p>{_check_list(status.failed_checks)}"
            f'<p class="status-last"><strong>The numbers below are the last validated ones, '
            f"{last_good}</strong>, data as of {e(status.as_of)}.</p>"
            f"{_attempts_line(status.attempts_since)}</div></section>"
        )
    # never published
    if status.attempts_since:
        body = (
            f"<p>{len(status.attempts_since)} run(s) tried; none passed every data-quality "
            f"gate. The first at {e(ts(status.attempts_since[0].attempted_at))}. "
            "What held them back:</p>" + _check_list(status.failed_checks)
        )
    else:
        body = (
            "<p>The pipeline has not published any KPIs yet. Run <code>c360 run</code> "
            "(or <code>make run</code>), then <code>c360 report</code>.</p>"
        )
    return (
        '<section id="data-status" class="status status-never" data-status="never">'
        '<div class="status-icon" aria-hidden="true">–</div><div>'
        '<p class="status-title"><strong>No validated KPIs yet</strong></p>'
        f'{body}<p class="status-extra">KPIs are shown only once every blocking quality '
        "gate has passed, so there is nothing to show.</p></div></section>"
    )


# ----------------------------------------------------------------------------- KPI tiles


def _sample(kpi: Kpi, row: dict | None) -> tuple[str, bool]:
    """The sample-size line of a survey KPI, and whether it rests on too few responses."""
    if row is None or row.get("denominator") is None:
        return '<div class="sample" data-role="sample">no responses</div>', True
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
    return (
        f'<div class="sample{" caveat" if few else ""}" data-role="sample" '
        f'data-n="{n:.0f}">{e(text)}</div>'
    ), few


def _delta(
    kpi: Kpi,
    current: float | None,
    previous: float | None,
    prev_month: dt.date | None,
    month: dt.date,
    muted: bool,
) -> str:
    if prev_month is None:
        return '<div class="delta flat" data-role="delta" data-direction="none">first month</div>'
    vs = f"vs {month_short(prev_month, month)}"
    if current is None or previous is None:
        return (
            f'<div class="delta flat" data-role="delta" data-direction="none">'
            f"no comparison {e(vs)}</div>"
        )
    d = current - previous
    if is_zero_at_display(d, kpi.kind):
        return (
            f'<div class="delta flat" data-role="delta" data-direction="flat" '
            f'data-sentiment="neutral"><span class="arrow">■</span> unchanged {e(vs)}</div>'
        )
    up = d > 0
    if muted or kpi.higher_is_better is None:
        sentiment = "neutral"
    else:
        sentiment = "good" if up == kpi.higher_is_better else "bad"
    arrow = "▲" if up else "▼"
    relative = ""
    if kpi.kind in ("money", "count") and previous:
        pct = d / abs(previous) * 100
        if abs(pct) >= 0.05:
            relative = f' <span class="rel">({"+" if pct > 0 else MINUS}{abs(pct):.1f}%)</span>'
    return (
        f'<div class="delta {sentiment}" data-role="delta" '
        f'data-direction="{"up" if up else "down"}" data-sentiment="{sentiment}">'
        f'<span class="arrow">{arrow}</span> <span data-role="delta-value">'
        f"{e(format_delta(d, kpi.kind))}</span>{relative} "
        f'<span class="vs">{e(vs)}</span></div>'
    )


def tile(data: ReportData, kpi: Kpi) -> str:
    month, prev = data.latest_month, data.previous_month
    row = data.row(kpi.name, month)
    prev_row = data.row(kpi.name, prev)
    value = row["value"] if row else None
    previous = prev_row["value"] if prev_row else None
    sample, few = ("", False)
    prev_few = False
    if kpi.survey:
        sample, few = _sample(kpi, row)
        prev_few = bool(prev_row and (prev_row.get("denominator") or 0) < MIN_RESPONSES)
    state = (
        "missing"
        if row is None
        else ("insufficient" if few else "ok" if value is not None else "null")
    )
    shown = format_value(value, kpi.kind)
    note = ""
    if row is None:
        note = '<div class="note">not published for this month</div>'
    elif value is None:
        note = (
            '<div class="note">not defined this month '
            "(no prior month, or nothing to divide by)</div>"
        )
    restated = data.restatement(kpi.name, month)
    if restated is not None:
        first, when = restated
        note += (
            f'<div class="note restated" data-role="restated" '
            f'data-first-value="{"" if first is None else repr(float(first))}">'
            f"Restated: first published as {e(format_value(first, kpi.kind))} "
            f"on {e(ts(when))}</div>"
        )
    scale = 100 if kpi.kind == "rate" else 1
    spark = charts.sparkline(
        data.series(kpi.name),
        scale=scale,
        title=f"{kpi.label}, 12 months",
        colour=charts.MUTED if few else charts.LINE,
    )
    months = data.series(kpi.name)
    span = (
        f'<div class="spark-axis"><span>{e(month_short(months[0][0], months[-1][0]))}</span>'
        f"<span>{e(month_short(months[-1][0]))}</span></div>"
        if len(months) > 1
        else ""
    )
    return (
        f'<article class="tile {state}{" restated" if restated else ""}" '
        f'data-kpi="{e(kpi.name)}" data-group="{e(kpi.group)}" '
        f'data-state="{state}" data-value="{"" if value is None else repr(float(value))}">'
        f'<h3 class="label" title="{e(kpi.hint)}">{e(kpi.label)}</h3>'
        f'<div class="value" data-role="value">{e(shown)}</div>'
        + _delta(kpi, value, previous, prev, month, muted=few or prev_few)
        + sample
        + note
        + (
            f'<div class="spark" title="{e(kpi.label)}: last {len(months)} months">{spark}'
            f"{span}</div>"
            if spark
            else '<div class="spark empty"></div>'
        )
        + f'<p class="hint">{e(kpi.hint)}</p></article>'
    )


def kpi_groups(data: ReportData, bridge_html: str) -> str:
    known = {k.name for k in KPIS}
    extra = sorted(set(data.kpis["kpi"]) - known)
    groups = [(g, [k for k in KPIS if k.group == g]) for g in GROUPS]
    if extra:
        groups.append(("Other", [kpi_spec(n) for n in extra]))
    out = []
    for group, members in groups:
        tiles = "".join(tile(data, k) for k in members)
        after = bridge_html if group == "Revenue" else ""
        out.append(
            f'<section class="group" id="group-{e(group.lower())}" data-group="{e(group)}">'
            f'<div class="group-head"><h2>{e(group)}</h2><p>{e(GROUP_NOTES.get(group, ""))}</p>'
            f'</div><div class="tiles">{tiles}</div>{after}</section>'
        )
    return "".join(out)


# ----------------------------------------------------------------------------- MRR bridge


MOVEMENTS = [
    ("new_mrr_usd", "New", 1),
    ("reactivation_mrr_usd", "Reactivated", 1),
    ("expansion_mrr_usd", "Expansion", 1),
    ("contraction_mrr_usd", "Contraction", -1),
    ("churned_mrr_usd", "Churned", -1),
]


def mrr_bridge(data: ReportData) -> str:
    month, prev = data.latest_month, data.previous_month
    current = data.value("mrr_usd", month)
    previous = data.value("mrr_usd", prev) if prev else None
    values = {k: data.value(k, month) for k, _, _ in MOVEMENTS}
    head = (
        f"<h3>MRR bridge: {e(month_long(prev))} → {e(month_long(month))}</h3>"
        if prev
        else f"<h3>MRR bridge: {e(month_long(month))}</h3>"
    )
    if (
        current is None
        or previous is None
        or any(values[k] is None for k, _, _ in MOVEMENTS if k != "new_mrr_usd")
    ):
        return (
            f'<div id="mrr-bridge" class="card bridge" data-state="unavailable">{head}'
            '<p class="muted">No bridge for this month: the movements need the month '
            "before (the first reported month has none).</p></div>"
        )
    signed = [(label, sign * (values[k] or 0.0), k) for k, label, sign in MOVEMENTS]
    steps = charts.waterfall_steps(
        f"{month_short(prev, month)} MRR",
        previous,
        [(label, amount) for label, amount, _ in signed],
        f"{month_short(month)} MRR",
        current,
    )
    svg = charts.waterfall(steps)
    gap = current - (previous + sum(a for _, a, _ in signed))
    rows = [("previous", f"MRR {month_long(prev)}", previous, "total")]
    rows += [
        (k, label, amount, "increase" if amount >= 0 else "decrease") for label, amount, k in signed
    ]
    rows += [("mrr_usd", f"MRR {month_long(month)}", current, "total")]
    table = "".join(
        f'<tr data-movement="{e(key)}" class="{kind}"><td>{e(label)}</td>'
        f'<td class="num">'
        f"{e(_signed_money(amount) if kind != 'total' else format_value(amount, 'money'))}"
        f"</td></tr>"
        for key, label, amount, kind in rows
    )
    check = (
        ""
        if abs(gap) < 0.5
        else f'<p class="caveat">The movements and the two MRR figures differ by '
        f"{e(format_value(abs(gap), 'money'))}.</p>"
    )
    return (
        f'<div id="mrr-bridge" class="card bridge" data-state="ok">{head}'
        f'<div class="bridge-body"><figure class="chart">{svg}</figure>'
        f'<table class="movements"><tbody>{table}</tbody></table></div>{check}'
        '<p class="muted small">Axis starts above zero so the month\'s movements are '
        "visible. Net new MRR: "
        f"<strong>{e(_signed_money(current - previous))}</strong>.</p></div>"
    )


def _signed_money(x: float) -> str:
    return format_delta(x, "money")


# ----------------------------------------------------------------------------- at-risk list


def at_risk_section(data: ReportData) -> str:
    risk = data.at_risk
    status = data.status
    if risk.error:
        return (
            '<section id="at-risk" class="card" data-state="unavailable">'
            "<h2>Customers at risk</h2>"
            f'<p class="muted">The at-risk list is not available: {e(risk.error)}.</p>'
            "</section>"
        )
    customers = risk.customers
    total_mrr = float(customers["current_mrr_usd"].fillna(0).sum()) if len(customers) else 0.0
    mrr_now = data.value("mrr_usd", risk.as_of_month) or data.value("mrr_usd", data.latest_month)
    share = f" ({total_mrr / mrr_now * 100:.1f}% of MRR)" if mrr_now else ""
    caveats = []
    if status.state != "validated":
        caveats.append(
            "This list comes from the latest warehouse build, which did not pass "
            "the quality gates: read it with care."
        )
    if risk.as_of_month and data.latest_month and risk.as_of_month != data.latest_month:
        caveats.append(
            f"It is as of {month_long(risk.as_of_month)}, while the KPIs above are "
            f"for {month_long(data.latest_month)}."
        )
    caveat = "".join(f'<p class="caveat">{e(c)}</p>' for c in caveats)
    rows = []
    for i, r in enumerate(customers.itertuples(), start=1):
        chips = "".join(
            f'<li class="chip" data-reason="{e(reason.code)}" title="{e(reason.explanation)}">'
            f'{e(reason.label)} <span class="pts">{MINUS}{reason.points}</span></li>'
            if reason.points
            else f'<li class="chip" data-reason="{e(reason.code)}">{e(reason.label)}</li>'
            for reason in reasons_of(r.health_reasons)
        )
        score = (
            ""
            if r.health_score is None
            or (isinstance(r.health_score, float) and math.isnan(r.health_score))
            else f"{int(r.health_score)}"
        )
        hidden = ' class="more"' if i > AT_RISK_SHOWN else ""
        rows.append(
            f'<tr data-customer-id="{e(r.customer_id)}"{hidden}>'
            f'<td class="rank">{i}</td>'
            f'<td><span class="name" data-role="name">{e(r.customer_name or r.customer_id)}</span>'
            f'<span class="cid">{e(r.customer_id)}</span></td>'
            f'<td class="num" data-role="mrr">{e(format_value(r.current_mrr_usd, "money"))}</td>'
            f'<td class="score"><span class="score-badge" data-role="score">{e(score)}</span></td>'
            f'<td><ul class="chips" data-role="reasons">{chips}</ul></td></tr>'
        )
    if not rows:
        table = '<p class="muted">No customer is at risk this month.</p>'
    else:
        head = (
            '<thead><tr><th></th><th>Customer</th><th class="num">MRR at risk</th>'
            "<th>Health</th><th>Why the score is low</th></tr></thead>"
        )
        shown, more = rows[:AT_RISK_SHOWN], rows[AT_RISK_SHOWN:]
        table = f'<table class="at-risk">{head}<tbody>{"".join(shown)}</tbody></table>'
        if more:
            table += (
                f"<details><summary>Show the other {len(more)} customers at risk</summary>"
                f'<table class="at-risk">{head}<tbody>{"".join(more)}</tbody></table>'
                "</details>"
            )
    legend = "".join(
        f"<li><strong>{e(r.label)}</strong> ({MINUS}{r.points}): {e(r.explanation)}</li>"
        for r in sorted(REASONS.values(), key=lambda r: -r.points)
    )
    as_of = f" — {e(month_long(risk.as_of_month))}" if risk.as_of_month else ""
    return (
        f'<section id="at-risk" class="card" data-state="ok" data-count="{len(customers)}">'
        f'<div class="section-head"><h2>Customers at risk{as_of}</h2>'
        f'<p class="summary"><strong>{len(customers):,}</strong> customer'
        f"{'s' if len(customers) != 1 else ''} with "
        f"<strong>{e(format_value(total_mrr, 'money'))}</strong> MRR{e(share)}, largest first."
        "</p></div>"
        f"{caveat}{_drivers(customers, total_mrr)}{table}"
        '<p class="legend-title">How the health score works: every customer starts at 100; each '
        "reason takes points off; an active customer below 50 is at risk.</p>"
        f'<ul class="legend">{legend}</ul></section>'
    )


def _share(part: float, whole: float) -> float:
    return part / whole * 100 if whole else 0.0


def _drivers(customers, total_mrr: float) -> str:
    """How many at-risk customers, and how much of their MRR, each reason touches."""
    if not len(customers):
        return ""
    codes = [{c.strip() for c in (r or "").split(",")} for r in customers["health_reasons"]]
    mrr = [float(x) for x in customers["current_mrr_usd"].fillna(0.0)]
    stats = []
    for reason in REASONS.values():
        hit = [i for i, cs in enumerate(codes) if reason.code in cs]
        stats.append((reason, len(hit), sum(mrr[i] for i in hit)))
    stats.sort(key=lambda t: (-t[2], -t[1], t[0].label))
    items = "".join(
        f'<li data-reason="{e(reason.code)}" data-count="{n}">'
        f'<span class="driver-label">{e(reason.label)}</span> '
        f'<span class="driver-bar"><i style="width:{_share(m, total_mrr):.1f}%"></i></span>'
        f'<span class="driver-stat">{n:,} customer{"s" if n != 1 else ""} · '
        f"{e(format_value(m, 'money'))}</span></li>"
        for reason, n, m in stats
    )
    return (
        '<div class="drivers"><p class="drivers-title">What puts them at risk '
        "(bars: share of the MRR at risk)</p>"
        f'<ul id="risk-drivers">{items}</ul></div>'
    )


# ----------------------------------------------------------------------------- page


def page(data: ReportData) -> str:
    month, prev = data.latest_month, data.previous_month
    status = data.status
    if status.state == "never" or month is None:
        title = "No validated KPIs yet"
        subtitle = "The scorecard fills in once the pipeline has published."
        body = ""
    else:
        title = month_long(month)
        subtitle = (
            f"Latest complete month · compared with {month_long(prev)} · amounts in USD"
            if prev
            else "Latest complete month · amounts in USD"
        )
        body = (
            kpi_groups(data, mrr_bridge(data))
            + restatements_section(data)
            + at_risk_section(data)
            + notes()
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="c360 report">
<title>CCO scorecard — {e(title)}</title>
<style>{CSS}</style></head>
<body><main>
<header class="page-head" id="page-head" data-month="{e(month)}">
<p class="eyebrow">Customer 360 · Chief Customer Officer scorecard</p>
<h1>{e(title)}</h1><p class="subtitle">{e(subtitle)}</p></header>
{status_banner(status)}
{body}
{footer(data)}
</main></body></html>
"""


def restatements_section(data: ReportData) -> str:
    """Numbers that changed after the CCO was first shown them (late or corrected deliveries)."""
    if not data.restated:
        return ""
    rows = []
    for (month, name), (first, when) in sorted(data.restated.items(), reverse=True):
        kpi = kpi_spec(name)
        rows.append(
            f'<tr data-restated="{e(month)}:{e(name)}"><td>{e(month_long(month))}</td>'
            f"<td>{e(kpi.label)}</td>"
            f"<td>{e(format_value(first, kpi.kind))} (published {e(ts(when))})</td>"
            f"<td>{e(format_value(data.value(name, month), kpi.kind))}</td></tr>"
        )
    return (
        '<section class="card" id="restatements"><h2>Restated numbers</h2>'
        "<p>These values changed after they were first published, because data for those "
        "months arrived late or was corrected at the source.</p>"
        "<table><thead><tr><th>Month</th><th>KPI</th><th>First published</th>"
        f"<th>Now</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def notes() -> str:
    return (
        '<section class="card notes" id="notes"><h2>How to read this page</h2><ul>'
        '<li><span class="delta good">▲ green</span> and <span class="delta bad">▼ red</span> '
        "say whether the change against the previous month is good or bad news for that KPI "
        '(churn going up is red); <span class="delta neutral">grey</span> changes are neither.'
        " Rates change in percentage points (pp).</li>"
        "<li>Small charts show the last 12 published months; the dot is the month shown.</li>"
        f"<li>Survey KPIs show how many responses they rest on. Below {MIN_RESPONSES} responses a "
        "value is greyed out as <em>too few responses</em>: do not act on it. CSAT carries a 95% "
        "Wilson interval; NPS a 95% normal-approximation interval, computed with the largest "
        "variance its published net score allows (so never too narrow).</li>"
        "<li>Definitions of every KPI: docs/kpis.md in the project. All months are calendar months in "
        "UTC; only complete months are shown.</li></ul></section>"
    )


_TABLE_ORDER = {
    KPI_TABLE: 0,
    CUSTOMER_TABLE: 1,
    LOG_TABLE: 2,
    GATES_TABLE: 3,
    RESTATEMENTS_TABLE: 4,
}


def footer(data: ReportData) -> str:
    tables = "".join(
        f'<li data-table="{e(t)}"><code>{e(t)}</code> — '
        + (f"{rows:,} row{'s' if rows != 1 else ''}" if rows is not None else "not present")
        + "</li>"
        for t, rows in sorted(data.tables_read.items(), key=lambda kv: _TABLE_ORDER.get(kv[0], 9))
    )
    return (
        '<footer id="provenance"><h2>Provenance</h2>'
        f"<p>Generated {e(ts(data.generated_at))} by <code>c360 report</code> from "
        f"<code>{e(data.warehouse)}</code>, opened read-only. Tables read:</p>"
        f"<ul>{tables}</ul>"
        + (
            f"<p>KPIs published by run <code>{e(data.status.run_id)}</code> at "
            f"{e(ts(data.status.published_at))}.</p>"
            if data.status.run_id
            else ""
        )
        + "<p>This file is self-contained: it loads nothing from the network.</p></footer>"
    )
