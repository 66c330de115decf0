"""Subscription timelines: when each paying customer starts, changes seats, churns and returns.

One row per subscription; per-month facts are (subscriptions x months) matrices over
window months 0..months (the as-of month included), which keeps every rule a
vectorised numpy expression. Billing renders invoices from this, the CRM follows
conversions and churn from it, and call volumes follow the active months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendar import Calendar
from .population import Population

KIND_MAIN, KIND_WINBACK, KIND_ADDON = 0, 1, 2
INTERVALS = np.array([1, 3, 12])  # months per billing period: monthly, quarterly, annual
_INTERVAL_WEIGHTS = [0.60, 0.15, 0.25]
# Probability to cancel at the end of a billing period: ~3 % logo churn a month overall.
_CHURN_PER_PERIOD = {1: 0.035, 3: 0.09, 12: 0.15}
TIER_WEIGHTS = [0.25, 0.30, 0.25, 0.15, 0.05]
ADDON_TIER = 5
_WINBACK = 0.20
_ADDON = 0.08
_ADDON_SEPARATE_BILLING = 0.30  # the add-on is bought by a second legal entity
_IMMEDIATE_CANCEL = 0.10
NEVER = np.int64(2**62)  # "after the end of time" for events beyond the generated horizon


@dataclass(frozen=True)
class Lifecycle:
    cust: np.ndarray  # local customer index
    kind: np.ndarray  # KIND_*
    billing_no: np.ndarray  # 0 = the customer's main billing customer, 1 = a second one
    start_m: np.ndarray  # first billed month
    end_m: np.ndarray  # first month no longer covered
    interval: np.ndarray  # months per period (1, 3, 12)
    tier: np.ndarray
    currency: np.ndarray
    trial_end: np.ndarray  # Unix s, or -1 without trial
    created: np.ndarray
    cancel_requested: np.ndarray  # Unix s (NEVER when beyond the horizon)
    ended: np.ndarray
    billed: np.ndarray  # (subs, months + 1) an invoice period starts in this month
    qty: np.ndarray  # (subs, months + 1) seats billed from this month's invoice on
    active: np.ndarray  # (customers, months + 1) covered by some subscription

    @property
    def n(self) -> int:
        return len(self.cust)


def _periods_until_churn(rng: np.random.Generator, interval: np.ndarray) -> np.ndarray:
    p = np.select(
        [interval == 1, interval == 3],
        [_CHURN_PER_PERIOD[1], _CHURN_PER_PERIOD[3]],
        default=_CHURN_PER_PERIOD[12],
    )
    return rng.geometric(p)


def build_lifecycle(rng: np.random.Generator, pop: Population, cal: Calendar) -> Lifecycle:
    last = cal.months  # the as-of month
    horizon = last + 12  # month_starts reaches this far
    payers = np.nonzero(pop.is_payer)[0]

    # First subscription of every payer.
    interval = rng.choice(INTERVALS, size=len(payers), p=_INTERVAL_WEIGHTS)
    start = pop.acq_month[payers]
    end = start + interval * _periods_until_churn(rng, interval)

    # Win-back: a churned customer returns a few months later with a fresh subscription.
    wb = (end <= last - 1) & (rng.random(len(payers)) < _WINBACK)
    wb_start = end + rng.geometric(0.3, size=len(payers))
    wb &= wb_start <= last
    wb_interval = rng.choice(INTERVALS, size=len(payers), p=[0.75, 0.1, 0.15])
    wb_end = wb_start + wb_interval * _periods_until_churn(rng, wb_interval)

    # Add-on product bought later, cancelled together with the main subscription.
    ao_start = start + rng.geometric(0.15, size=len(payers))
    ao = (rng.random(len(payers)) < _ADDON) & (ao_start < end) & (ao_start <= last)

    cust = np.concatenate([payers, payers[wb], payers[ao]])
    kind = np.concatenate(
        [
            np.full(len(payers), KIND_MAIN),
            np.full(wb.sum(), KIND_WINBACK),
            np.full(ao.sum(), KIND_ADDON),
        ]
    )
    start_m = np.concatenate([start, wb_start[wb], ao_start[ao]])
    end_m = np.concatenate([end, wb_end[wb], end[ao]])
    interval_all = np.concatenate([interval, wb_interval[wb], np.ones(ao.sum(), dtype=np.int64)])
    n = len(cust)
    tier = np.where(
        kind == KIND_ADDON, ADDON_TIER, rng.choice(len(TIER_WEIGHTS), size=n, p=TIER_WEIGHTS)
    )
    qty0 = np.where(
        kind == KIND_ADDON, rng.integers(1, 4, size=n), np.minimum(rng.geometric(0.3, size=n), 50)
    )
    billing_no = np.where((kind == KIND_ADDON) & (rng.random(n) < _ADDON_SEPARATE_BILLING), 1, 0)

    anchor = pop.anchor[cust]

    def at(month: np.ndarray) -> np.ndarray:
        return cal.month_starts[np.clip(month, 0, horizon)] + anchor

    first_bill = at(start_m)
    is_main = kind == KIND_MAIN
    trial = is_main & pop.trial[cust]
    created = np.where(
        is_main,
        pop.billing_created[cust] + rng.integers(5, 90, size=n),
        first_bill - rng.integers(0, 600, size=n),
    )
    trial_end = np.where(trial, first_bill, -1)

    # Cancellation is requested during the last paid period and takes effect at its end.
    beyond = end_m > horizon
    last_period_start, period_end = at(end_m - interval_all), at(end_m)
    cancel_requested = last_period_start + (
        rng.uniform(0.05, 0.95, size=n) * (period_end - last_period_start)
    ).astype(np.int64)
    immediate = rng.random(n) < _IMMEDIATE_CANCEL
    ended = np.where(immediate, cancel_requested, period_end)
    cancel_requested = np.where(beyond, NEVER, cancel_requested)
    ended = np.where(beyond, NEVER, ended)

    months = np.arange(last + 1)
    offset = months[None, :] - start_m[:, None]
    billed = (
        (offset >= 0) & (months[None, :] < end_m[:, None]) & (offset % interval_all[:, None] == 0)
    )

    # Seat changes at renewals of monthly and quarterly main subscriptions.
    can_change = (
        billed & (offset > 0) & (kind != KIND_ADDON)[:, None] & (interval_all != 12)[:, None]
    )
    u = rng.random(billed.shape)
    up = can_change & (u < 0.045)
    down = can_change & (u >= 0.045) & (u < 0.065)
    delta = up * rng.integers(1, 4, size=billed.shape) - down * rng.integers(
        1, 3, size=billed.shape
    )
    qty = np.maximum(qty0[:, None] + np.cumsum(delta, axis=1), 1)

    covered = (months[None, :] >= start_m[:, None]) & (months[None, :] < end_m[:, None])
    active = np.zeros((pop.n, last + 1), dtype=bool)
    np.logical_or.at(active, cust, covered)

    return Lifecycle(
        cust=cust,
        kind=kind,
        billing_no=billing_no,
        start_m=start_m,
        end_m=end_m,
        interval=interval_all,
        tier=tier,
        currency=pop.currency[cust],
        trial_end=trial_end,
        created=created,
        cancel_requested=cancel_requested,
        ended=ended,
        billed=billed,
        qty=qty,
        active=active,
    )
