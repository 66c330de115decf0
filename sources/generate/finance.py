"""Finance's monthly reference FX rates (CSV): US dollars per unit of eur and gbp.

Each month's rate is published just before the month starts, for every month from
the first history month to the as-of month, so every invoiced month has a rate.
The feed added `usd` rows (always 1) halfway through, one rate was corrected after
publication (a re-delivery with a changed value), and the daily extracts of the last
week re-send the current month's rates unchanged.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .calendar import DAILY_TAIL_DAYS, DAY, HOUR, Calendar

FX_COLUMNS = ["month", "currency", "usd_per_unit"]
_START = {"eur": 1.085, "gbp": 1.265}
_BOUNDS = {"eur": (1.05, 1.12), "gbp": (1.20, 1.30)}


def build_fx_rates(rng: np.random.Generator, cal: Calendar) -> pl.DataFrame:
    """Versions: `_rec`, `_ts` (publication instant) and the FX columns (rates as 6-decimal text).

    A few dozen rows: built with plain Python lists.
    """
    months = cal.months + 1
    published = cal.month_starts[:months] - 2 * DAY + 12 * HOUR
    rows: list[tuple[int, str, str, float]] = []
    for currency, start in _START.items():
        low, high = _BOUNDS[currency]
        walk = np.empty(months)
        rate = start
        for m in range(months):  # mean-reverting monthly moves, kept inside a realistic band
            rate = float(np.clip(rate + 0.3 * (start - rate) + rng.normal(0.0, 0.006), low, high))
            walk[m] = rate
        rows += [
            (int(published[m]), cal.month_label(m), currency, float(walk[m])) for m in range(months)
        ]
    rows += [
        (int(published[m]), cal.month_label(m), "usd", 1.0) for m in range(months // 2, months)
    ]
    # A correction: one month's eur rate re-published ten days later with a revised value.
    fixed = cal.month_label(months // 3)
    rows += [(ts + 10 * DAY, m, c, r + 0.0042) for ts, m, c, r in rows if m == fixed and c == "eur"]
    # The feed re-sends the current month's rates, unchanged, with every daily extract.
    current = cal.month_label(cal.months)
    rows += [
        (int(day) - 1, m, c, r)
        for day in cal.cutoffs[-DAILY_TAIL_DAYS:]
        for ts, m, c, r in list(rows)
        if m == current and ts < day - 1
    ]
    keys: dict[tuple[str, str], int] = {}
    frame = pl.DataFrame(
        {
            "_ts": [r[0] for r in rows],
            "_rec": [keys.setdefault((r[1], r[2]), len(keys)) for r in rows],
            "month": [r[1] for r in rows],
            "currency": [r[2] for r in rows],
            "usd_per_unit": [f"{r[3]:.6f}" for r in rows],
        },
        schema_overrides={"_ts": pl.Int64, "_rec": pl.Int64},
    )
    return frame
