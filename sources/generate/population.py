"""The hidden truth about one chunk of customers, shared by every source system.

A *customer* here is a company (or a household) that the demo business deals with.
Each source system then shows its own, partial and messy view of the same truth,
which is what makes identity resolution and the KPIs come out plausible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import text
from .calendar import DAY, Calendar

# How a paying CRM customer's billing customer can be linked back to its account.
LINK_ID18, LINK_ID15, LINK_EMAIL, LINK_PHONE, LINK_NONE = range(5)
_LINK_WEIGHTS = [0.50, 0.20, 0.15, 0.07, 0.08]

CURRENCIES = ("usd", "eur", "gbp")
_HAS_CRM = 0.95  # the rest sign up self-serve and exist only in billing
_PAYER_IF_CRM = 0.88  # the rest are prospects and partners
_PRE_EXISTING = 0.70  # paying already before the first history month


@dataclass(frozen=True)
class Population:
    gidx: np.ndarray  # global customer number (stable across chunk layouts of one run)
    has_crm: np.ndarray
    is_payer: np.ndarray
    pre_existing: np.ndarray
    acq_month: np.ndarray  # month of the first invoice (0 for the pre-existing base), -1 never
    anchor: np.ndarray  # billing anchor: seconds after a month's start
    country: np.ndarray  # index into text.COUNTRIES
    currency: np.ndarray  # index into CURRENCIES
    crm_created: np.ndarray  # Unix s
    billing_created: np.ndarray  # Unix s of the billing customer (payers)
    trial: np.ndarray  # new payers that start with a 14-day trial
    send_invoice: np.ndarray  # pays by bank transfer against an invoice (else card)
    link_mode: np.ndarray  # LINK_* for CRM payers
    call_rate: np.ndarray  # expected calls per active month
    mood: np.ndarray  # latent satisfaction, shifts survey scores
    company: pl.DataFrame  # name, short_name, domain
    person: pl.DataFrame  # primary contact: first, last, slugs, email (canonical)
    phone: pl.DataFrame  # primary contact's phone: cc, area, sub

    @property
    def n(self) -> int:
        return len(self.gidx)


def build_population(rng: np.random.Generator, cal: Calendar, start: int, n: int) -> Population:
    gidx = np.arange(start, start + n, dtype=np.int64)
    has_crm = rng.random(n) < _HAS_CRM
    is_payer = ~has_crm | (rng.random(n) < _PAYER_IF_CRM)
    pre_existing = is_payer & (rng.random(n) < _PRE_EXISTING)
    acq_month = np.where(
        is_payer, np.where(pre_existing, 0, rng.integers(1, cal.months + 1, size=n)), -1
    )
    # Billing day 1-28 of the month at some time of the day.
    anchor = rng.integers(0, 28, size=n) * DAY + rng.integers(0, DAY, size=n)
    acq_ts = cal.month_starts[np.maximum(acq_month, 0)] + anchor

    country = rng.choice(len(text.COUNTRIES), size=n, p=text.COUNTRY_WEIGHTS)
    home_currency = np.select([country <= 1, country == 2], [0, 2], default=1)
    currency = np.where(rng.random(n) < 0.85, home_currency, 0)

    ws = cal.window_start_ts
    trial = is_payer & ~pre_existing & (rng.random(n) < 0.2)
    crm_created = np.select(
        [pre_existing, is_payer],
        [ws - rng.integers(30, 2000, size=n) * DAY, acq_ts - rng.integers(3, 150, size=n) * DAY],
        default=rng.integers(ws - 1500 * DAY, cal.as_of_ts, size=n),
    ) + rng.integers(0, DAY, size=n)
    billing_created = np.where(
        pre_existing,
        ws - rng.integers(1, 1500, size=n) * DAY + rng.integers(0, DAY, size=n),
        acq_ts - np.where(trial, 14 * DAY, 0) - rng.integers(60, 7200, size=n),
    )
    link_mode = rng.choice(len(_LINK_WEIGHTS), size=n, p=_LINK_WEIGHTS)

    person = text.people(rng, n)
    company = text.companies(rng, country, gidx)
    # E-mail of the primary contact: first.last@company domain, or first initial + last.
    initial_style = rng.random(n) < 0.3
    person = (
        person.with_columns(company["domain"])
        .with_columns(
            pl.concat_str(
                [
                    pl.when(pl.Series(initial_style))
                    .then(pl.col("first_slug").str.slice(0, 1))
                    .otherwise(pl.concat_str([pl.col("first_slug"), pl.lit(".")])),
                    pl.col("last_slug"),
                    pl.lit("@"),
                    pl.col("domain"),
                ]
            ).alias("email")
        )
        .drop("domain")
    )

    return Population(
        gidx=gidx,
        has_crm=has_crm,
        is_payer=is_payer,
        pre_existing=pre_existing,
        acq_month=acq_month,
        anchor=anchor,
        country=country,
        currency=currency,
        crm_created=crm_created,
        billing_created=billing_created,
        trial=trial,
        send_invoice=rng.random(n) < 0.2,
        link_mode=link_mode,
        call_rate=rng.gamma(1.2, 0.5, size=n),
        mood=rng.normal(0.0, 1.0, size=n),
        company=company,
        person=person,
        phone=text.phones(rng, country),
    )
