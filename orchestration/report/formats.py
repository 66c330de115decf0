"""How the scorecard writes times, months, run ids and long messages (numbers: catalogue.py)."""

from __future__ import annotations

import datetime as dt


def ts(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "an unknown time"


def month_long(m: dt.date | None) -> str:
    return f"{m:%B %Y}" if m else "—"


def month_short(m: dt.date, ref: dt.date | None = None) -> str:
    """`Oct`, or `Oct 2025` when the month it is read beside is in another year."""
    return f"{m:%b}" if ref is None or ref.year == m.year else f"{m:%b %Y}"


def short_run(run_id: str | None) -> str:
    return (run_id or "?")[:8]


def truncate(text: str | None, limit: int = 320) -> str:
    """One line of at most `limit` characters: check messages can be whole tracebacks."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plural(count: int, word: str) -> str:
    """`1 customer`, `2 customers`, with thousands separated."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
