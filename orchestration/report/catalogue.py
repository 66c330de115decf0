"""What the scorecard knows about each KPI and reason code: wording, grouping, formatting.

The KPIs, their labels, groups, units and which way is good news come from the KPI catalogue
(`dbt_project/seeds/kpi_catalogue.csv`), and the health-score reasons from the dbt var
`health_reasons` (`dbt_project/dbt_project.yml`): the warehouse, the quality gates and this
scorecard read the same lists. This module only decides how a CCO reads them: how a value and a
month-over-month change are written.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass

import yaml

from orchestration.settings import DBT_PROJECT_DIR

MINUS = "\u2212"  # a typographic minus: "−$1,234", "−12"

# Survey KPIs resting on fewer responses than this are shown greyed, as "too few responses".
MIN_RESPONSES = 30

KPI_CATALOGUE = DBT_PROJECT_DIR / "seeds" / "kpi_catalogue.csv"
DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"

# A catalogue unit as the scorecard writes it: a ratio such as nrr reads as a percentage too.
_KIND_OF_UNIT = {"ratio": "rate"}
_HIGHER_IS_BETTER = {"up": True, "down": False, "neither": None}


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    group: str
    kind: str  # money | count | rate | nps | seconds | score
    higher_is_better: bool | None  # None: neither direction is good or bad in itself
    hint: str
    survey: bool = False  # rests on survey responses: show n, an interval, the small-n caveat


def read_kpi_catalogue() -> list[Kpi]:
    with KPI_CATALOGUE.open(encoding="utf-8", newline="") as f:
        return [
            Kpi(
                name=row["kpi"],
                label=row["label"],
                group=row["kpi_group"],
                kind=_KIND_OF_UNIT.get(row["unit"], row["unit"]),
                higher_is_better=_HIGHER_IS_BETTER[row["direction"]],
                hint=row["description"],
                survey=row["survey"] == "true",
            )
            for row in csv.DictReader(f)
        ]


KPIS: list[Kpi] = read_kpi_catalogue()

BY_NAME = {k.name: k for k in KPIS}

GROUPS = list(dict.fromkeys(k.group for k in KPIS))  # in the catalogue's order


def kpi_spec(name: str) -> Kpi:
    """The catalogue entry, or a plain one for a KPI the scorecard does not know yet."""
    if name in BY_NAME:
        return BY_NAME[name]
    kind = "money" if name.endswith("_usd") else "rate" if name.endswith("_rate") else "count"
    return Kpi(name, name.replace("_", " ").capitalize(), "Other", kind, None, "")


@dataclass(frozen=True)
class Reason:
    code: str
    label: str  # what the chip in the at-risk list says
    explanation: str  # the rule, in words
    points: int  # what it takes off the health score


def read_health_reasons() -> list[Reason]:
    project = yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8"))
    return [
        Reason(r["code"], r["label"], r["explanation"], int(r["points"]))
        for r in project["vars"]["health_reasons"]
    ]


REASONS: dict[str, Reason] = {r.code: r for r in read_health_reasons()}


def reasons_of(codes: str | None) -> list[Reason]:
    """The reasons behind a score, heaviest first; unknown codes are shown as they are."""
    found = []
    for code in (c.strip() for c in (codes or "").split(",")):
        if code:
            found.append(REASONS.get(code) or Reason(code, code.replace("_", " "), code, 0))
    return sorted(found, key=lambda r: (-r.points, r.label))


# ----------------------------------------------------------------------------- formatting


def round_half_away(x: float, digits: int = 0) -> float:
    """Round half away from zero (Python's round() rounds half to even)."""
    factor = 10**digits
    return math.copysign(math.floor(abs(x) * factor + 0.5) / factor, x)


def _signed(text: str, negative: bool, sign: bool) -> str:
    if negative:
        return MINUS + text
    return ("+" + text) if sign else text


def _number(x: float, kind: str) -> tuple[str, bool]:
    """Magnitude text and sign of x at the precision its kind is shown with."""
    if kind == "rate":
        r = round_half_away(x * 100, 1)
        return f"{abs(r):,.1f}", r < 0
    if kind == "score":
        r = round_half_away(x, 2)
        return f"{abs(r):,.2f}", r < 0
    r = round_half_away(x, 0)  # money, count, nps, seconds: whole numbers
    return f"{abs(r):,.0f}", r < 0


def format_value(x: float | None, kind: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text, negative = _number(x, kind)
    if kind == "money":
        return _signed("$" + text, negative, False)
    if kind == "rate":
        return _signed(text + "%", negative, False)
    if kind == "seconds":
        return _signed(text + "s", negative, False)
    return _signed(text, negative, False)


def format_delta(d: float, kind: str) -> str:
    """A month-over-month change: +$1,234, −0.4 pp, +3, +12s."""
    text, negative = _number(d, kind)
    if kind == "money":
        text = "$" + text
    elif kind == "rate":
        text += " pp"
    elif kind == "seconds":
        text += "s"
    return _signed(text, negative, True)


def is_zero_at_display(d: float, kind: str) -> bool:
    text, _ = _number(d, kind)
    return not any(ch in "123456789" for ch in text)


def format_money_short(x: float) -> str:
    """$1.2M, $345K, $980: for chart labels."""
    negative, x = x < 0, abs(x)
    if x >= 1e6:
        text = f"${x / 1e6:,.2f}M"
    elif x >= 1e4:
        text = f"${x / 1e3:,.0f}K"
    elif x >= 1e3:
        text = f"${x / 1e3:,.1f}K"
    else:
        text = f"${x:,.0f}"
    return (MINUS + text) if negative else text
