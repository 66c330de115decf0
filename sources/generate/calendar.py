"""The time axis of one generated landing: window months, delivery dates and their cut-offs.

All instants are Unix seconds (UTC) in int64 numpy arrays. Month index m counts
from the first history month (m = 0) to the as-of month (m = months).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DAY = 86_400
HOUR = 3_600
_EPOCH = dt.date(1970, 1, 1)

# Weekly extracts through history and daily ones in the final week: about 60
# delivery dates for 12 months, so the file count stays small at any scale.
WEEKLY_STEP_DAYS = 7
DAILY_TAIL_DAYS = 7
# Month starts kept beyond the as-of month, for the period end of an annual plan
# billed in the as-of month.
_FUTURE_MONTHS = 14


def unix_day(day: dt.date) -> int:
    return (day - _EPOCH).days * DAY


def add_months(day: dt.date, n: int) -> dt.date:
    """First day of the month n months after day's month."""
    year, month = divmod(day.year * 12 + day.month - 1 + n, 12)
    return dt.date(year, month + 1, 1)


def delivery_dates(window_start: dt.date, as_of: dt.date) -> tuple[dt.date, ...]:
    """The initial load on window_start, weekly extracts, then daily ones up to as_of."""
    tail_start = as_of - dt.timedelta(days=DAILY_TAIL_DAYS - 1)
    dates = [window_start]
    day = window_start + dt.timedelta(days=WEEKLY_STEP_DAYS)
    while day < tail_start:
        dates.append(day)
        day += dt.timedelta(days=WEEKLY_STEP_DAYS)
    day = max(tail_start, dates[-1] + dt.timedelta(days=1))
    while day <= as_of:
        dates.append(day)
        day += dt.timedelta(days=1)
    return tuple(dates)


@dataclass(frozen=True)
class Calendar:
    as_of: dt.date
    months: int
    window_start: dt.date
    month_starts: np.ndarray  # index m: first instant of window month m (m > months: future)
    delivery_dates: tuple[dt.date, ...]
    cutoffs: np.ndarray  # 00:00 UTC of each delivery date: a delivery holds changes before it

    @classmethod
    def build(cls, as_of: dt.date, months: int) -> Calendar:
        if months < 1:
            raise ValueError("months must be at least 1")
        window_start = add_months(as_of, -months)
        month_starts = np.array(
            [unix_day(add_months(window_start, m)) for m in range(months + 1 + _FUTURE_MONTHS)],
            dtype=np.int64,
        )
        dates = delivery_dates(window_start, as_of)
        cutoffs = np.array([unix_day(d) for d in dates], dtype=np.int64)
        return cls(as_of, months, window_start, month_starts, dates, cutoffs)

    @property
    def window_start_ts(self) -> int:
        return int(self.month_starts[0])

    @property
    def as_of_ts(self) -> int:
        """Nothing at or after this instant has been extracted yet."""
        return int(self.cutoffs[-1])

    def month_label(self, m: int) -> str:
        return add_months(self.window_start, m).strftime("%Y-%m")

    def month_of(self, ts: np.ndarray) -> np.ndarray:
        """Window month index of each instant (-1 before the window)."""
        return np.searchsorted(self.month_starts, ts, side="right").astype(np.int64) - 1
