"""From change events to delivered record versions.

Source modules describe each record as events: one row per change, with an integer
record number `_rec` (unique within a chunk; cheaper to sort and group than ids), the
instant `_ts`, a tie-break `_seq`, and only the fields that change set (null = unchanged).
Forward-filling per record gives the full record as it looked after each change.
Each version then goes to the first extract taken after it (sometimes a late one);
an extract holds a record's latest state only, and a record never goes back to an
earlier delivery than its previous version.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .calendar import DAY, Calendar

LATE_SHARE = 0.02  # versions that miss their extract and arrive 3-21 days late


def fill_versions(events: pl.DataFrame, state: list[str]) -> pl.DataFrame:
    """Full record versions: `state` columns forward-filled per `_rec` in time order."""
    return events.sort(["_rec", "_ts", "_seq"]).with_columns(
        [pl.col(c).forward_fill().over("_rec") for c in state]
    )


def assign_deliveries(
    versions: pl.DataFrame, cal: Calendar, rng: np.random.Generator, late_share: float = LATE_SHARE
) -> pl.DataFrame:
    """Add `_delivery` (index into cal.delivery_dates) and keep what the extracts saw.

    The result is sorted by delivery, then time: the order of lines in the delivery files.
    """
    order = ["_ts", "_seq", "_rec"] if "_seq" in versions.columns else ["_ts", "_rec"]
    versions = versions.sort(order)
    ts = versions["_ts"].to_numpy()
    n = len(ts)
    as_of = cal.as_of_ts
    late = np.where(rng.random(n) < late_share, rng.integers(3 * DAY, 21 * DAY, size=n), 0)
    # A late version still arrives by the last extract; a future one never arrives.
    effective = np.where(ts < as_of, np.minimum(ts + late, as_of - 1), ts)
    delivery = np.searchsorted(cal.cutoffs, effective, side="right")
    return (
        versions.with_columns(pl.Series("_delivery", delivery, dtype=pl.Int32))
        .with_columns(pl.col("_delivery").cum_max().over("_rec"))
        .filter(pl.col("_delivery") < len(cal.cutoffs))
        .unique(subset=["_rec", "_delivery"], keep="last", maintain_order=True)
        .sort(["_delivery", *order], maintain_order=True)
    )


def spread(rng: np.random.Generator, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """A uniformly random instant in [start, end) (start where the interval is empty)."""
    width = np.maximum(end - start, 1)
    return start + (rng.random(len(start)) * width).astype(np.int64)


def from_epoch(col: str | pl.Expr, fmt: str) -> pl.Expr:
    expr = pl.col(col) if isinstance(col, str) else col
    return pl.from_epoch(expr, time_unit="s").dt.strftime(fmt)


SALESFORCE_TS = "%Y-%m-%dT%H:%M:%S.000+0000"
