"""Stripe invoices (pre-2025-03-31 shape): one per billing period per subscription.

Card customers are charged at once (a few charges fail and are retried); invoice
customers pay by transfer within weeks, some late, some never. Seat changes bring
proration lines, new subscriptions sometimes a one-off setup fee, and a few invoices
carry a service credit, are voided and re-issued, or are one-off invoices outside any
subscription (some left in draft).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .calendar import DAY, HOUR, Calendar
from .ids import stripe_ids
from .lifecycle import KIND_MAIN, NEVER, Lifecycle
from .population import CURRENCIES, Population
from .versions import spread

# Monthly list price per seat in minor units: rows usd, eur, gbp; columns tiers (last: add-on).
MONTHLY_PRICE = np.array(
    [
        [1500, 2900, 4900, 9900, 24900, 900],
        [1400, 2700, 4500, 8900, 22900, 800],
        [1200, 2300, 3900, 7900, 19900, 700],
    ]
)
TIER_NAMES = ["Starter", "Team", "Business", "Professional", "Enterprise", "Analytics add-on"]
_SETUP_FEE = np.array([9900, 8900, 7900])
_ONE_OFF_AMOUNTS = np.array([4900, 25000, 50000, 120000])
_ONE_OFF_NAMES = ["Data export", "Onboarding workshop", "Custom integration", "Consulting package"]
PRICE_CATALOGUE = stripe_ids(b"price", np.arange(128), np.random.default_rng(2024))

_TIMES = "\u00d7"  # the multiplication sign of Stripe descriptions: "3 <times> Business"

DRAFT, OPEN, PAID, VOID, UNCOLLECTIBLE = range(5)
STATUSES = ["draft", "open", "paid", "void", "uncollectible"]
_ROW_SUB, _ROW_VOIDED, _ROW_ONE_OFF = range(3)

_CARD_FAILS = 0.05
_CARD_RECOVERS = 0.85
_TRANSFER_NEVER_PAID = 0.04
_VOID_REISSUE = 0.006
_CREDIT = 0.01
_SETUP = 0.25
_ONE_OFF_PER_YEAR = 0.03
_ONE_OFF_DRAFT = 0.12


def unit_amount(currency: np.ndarray, tier: np.ndarray, interval: np.ndarray) -> np.ndarray:
    """Price per seat per billing period: quarterly 5 % off, annual two months free."""
    monthly = MONTHLY_PRICE[currency, tier]
    return np.select(
        [interval == 1, interval == 3], [monthly, np.round(monthly * 2.85)], monthly * 10
    )


def price_index(currency: np.ndarray, tier: np.ndarray, interval: np.ndarray) -> np.ndarray:
    position = np.select([interval == 1, interval == 3], [0, 1], 2)
    return (currency * 6 + tier) * 3 + position


@dataclass(frozen=True)
class InvoiceEvents:
    """What invoices tell the other billing objects."""

    seat_changes: pl.DataFrame  # sub, _ts, quantity
    dunning: pl.DataFrame  # sub, _ts, status (past_due / active / unpaid)
    delinquent_since: pl.DataFrame  # cust, billing_no, _ts


@dataclass(frozen=True)
class Invoices:
    versions: pl.DataFrame  # _rec, _ts, _seq (status code), _line
    events: InvoiceEvents
    count: int  # invoices created (for the global id counter)
    line_count: int


def build_invoices(
    rng: np.random.Generator,
    pop: Population,
    life: Lifecycle,
    cal: Calendar,
    customer_ids: tuple[pl.Series, pl.Series],
    sub_ids: pl.Series,
    invoice_offset: int,
    line_offset: int,
) -> Invoices:
    """Every invoice's versions, and what they tell the other billing objects.

    The steps draw from `rng` in a fixed order: the same seed makes the same invoices.
    """
    cycles = _billing_cycles(rng, pop, life, cal)
    one_off, one_off_created = _one_off_invoices(rng, pop, cal)
    rows = _invoice_rows(pop, life, cycles, one_off, one_off_created)
    line_frame, amount_due, lines_json = _lines(rng, pop, life, cycles, rows, line_offset)
    history = _status_history(rng, cycles, rows)
    versions = _versions(
        rng,
        pop,
        life,
        customer_ids,
        sub_ids,
        invoice_offset,
        cal,
        rows,
        history,
        amount_due,
        lines_json,
    )
    events = _events(cal, cycles, rows, history)
    return Invoices(versions, events, rows.n, line_frame.height)


@dataclass(frozen=True)
class _Cycles:
    """One row per subscription billing period that has started: the invoices' backbone."""

    sub: np.ndarray
    month: np.ndarray
    cust: np.ndarray
    period_start: np.ndarray
    period_end: np.ndarray
    interval: np.ndarray
    qty: np.ndarray
    qty_before: np.ndarray
    first: np.ndarray
    changed: np.ndarray  # seats changed since the previous period
    previous_start: np.ndarray
    changed_at: np.ndarray
    void: np.ndarray  # voided and re-issued
    void_at: np.ndarray
    created: np.ndarray


def _billing_cycles(
    rng: np.random.Generator, pop: Population, life: Lifecycle, cal: Calendar
) -> _Cycles:
    as_of = cal.as_of_ts
    sub, month = np.nonzero(life.billed)
    cust = life.cust[sub]
    period_start = cal.month_starts[month] + pop.anchor[cust]
    keep = period_start < as_of
    sub, month, cust, period_start = sub[keep], month[keep], cust[keep], period_start[keep]
    n_sub_rows = len(sub)
    interval = life.interval[sub]
    period_end = cal.month_starts[month + interval] + pop.anchor[cust]
    qty = life.qty[sub, month]
    qty_before = life.qty[sub, np.maximum(month - 1, 0)]
    first = month == life.start_m[sub]
    changed = ~first & (qty != qty_before)
    previous_start = cal.month_starts[np.maximum(month - interval, 0)] + pop.anchor[cust]
    changed_at = spread(rng, previous_start + DAY, period_start - DAY)

    # Voided and re-issued: the first invoice had one seat too many; the fix comes days later.
    void = rng.random(n_sub_rows) < _VOID_REISSUE
    void_at = period_start + rng.integers(2 * HOUR, 4 * DAY, size=n_sub_rows)
    created = np.where(void, void_at, period_start)
    return _Cycles(
        sub,
        month,
        cust,
        period_start,
        period_end,
        interval,
        qty,
        qty_before,
        first,
        changed,
        previous_start,
        changed_at,
        void,
        void_at,
        created,
    )


def _one_off_invoices(
    rng: np.random.Generator, pop: Population, cal: Calendar
) -> tuple[np.ndarray, np.ndarray]:
    """One-off invoices outside any subscription (some still in draft): customer, created."""
    share = _ONE_OFF_PER_YEAR * (cal.months + 1) / 12
    one_off = np.nonzero(pop.is_payer & (rng.random(pop.n) < share))[0]
    one_off_month = rng.integers(pop.acq_month[one_off], cal.months + 1)
    one_off_created = cal.month_starts[one_off_month] + rng.integers(0, 28 * DAY, size=len(one_off))
    ok = one_off_created < cal.as_of_ts
    return one_off[ok], one_off_created[ok]


@dataclass(frozen=True)
class _InvoiceRows:
    """One row per invoice: the cycles, then the voided first issues, then the one-offs."""

    frame: pl.DataFrame  # kind, sub, cust, created, period_start, period_end, interval, qty, first
    voided: np.ndarray  # the cycles voided and re-issued, in the order of their rows
    kind: np.ndarray
    cust: np.ndarray
    sub: np.ndarray  # -1 for a one-off
    currency: np.ndarray
    billing_no: np.ndarray
    send_invoice: np.ndarray
    created: np.ndarray
    real: np.ndarray  # a subscription cycle's invoice that stands

    @property
    def n(self) -> int:
        return self.frame.height


def _invoice_rows(
    pop: Population,
    life: Lifecycle,
    cycles: _Cycles,
    one_off: np.ndarray,
    one_off_created: np.ndarray,
) -> _InvoiceRows:
    c = cycles
    voided = np.nonzero(c.void)[0]
    n_cycles, n_one_off = len(c.sub), len(one_off)
    rows = pl.DataFrame(
        {
            "kind": np.concatenate(
                [
                    np.full(n_cycles, _ROW_SUB),
                    np.full(len(voided), _ROW_VOIDED),
                    np.full(n_one_off, _ROW_ONE_OFF),
                ]
            ),
            "sub": np.concatenate([c.sub, c.sub[voided], np.full(n_one_off, -1)]),
            "cust": np.concatenate([c.cust, c.cust[voided], one_off]),
            "created": np.concatenate([c.created, c.period_start[voided], one_off_created]),
            "period_start": np.concatenate(
                [c.period_start, c.period_start[voided], one_off_created]
            ),
            "period_end": np.concatenate([c.period_end, c.period_end[voided], one_off_created]),
            "interval": np.concatenate(
                [c.interval, c.interval[voided], np.zeros(n_one_off, np.int64)]
            ),
            "qty": np.concatenate([c.qty, c.qty[voided] + 1, np.ones(n_one_off, np.int64)]),
            "first": np.concatenate([c.first, c.first[voided], np.zeros(n_one_off, bool)]),
        }
    )
    kind = rows["kind"].to_numpy()
    row_cust = rows["cust"].to_numpy()
    row_sub = rows["sub"].to_numpy()
    currency = np.where(row_sub >= 0, life.currency[np.maximum(row_sub, 0)], pop.currency[row_cust])
    return _InvoiceRows(
        frame=rows,
        voided=voided,
        kind=kind,
        cust=row_cust,
        sub=row_sub,
        currency=currency,
        billing_no=np.where(row_sub >= 0, life.billing_no[np.maximum(row_sub, 0)], 0),
        send_invoice=pop.send_invoice[row_cust],
        created=rows["created"].to_numpy(),
        real=kind == _ROW_SUB,
    )


@dataclass(frozen=True)
class _Pricing:
    """Per invoice row: what its lines are priced from."""

    info: _Rows
    unit: np.ndarray  # price per seat
    qty: np.ndarray  # seats
    plan_price: np.ndarray  # index into PRICE_CATALOGUE


def _pricing(life: Lifecycle, rows: _InvoiceRows) -> _Pricing:
    frame, row_sub = rows.frame, rows.sub
    tier = np.where(row_sub >= 0, life.tier[np.maximum(row_sub, 0)], 0)
    row_interval = np.maximum(frame["interval"].to_numpy(), 1)
    info = _Rows(
        interval=frame["interval"].to_numpy(),
        start=frame["period_start"].to_numpy(),
        end=frame["period_end"].to_numpy(),
        currency=rows.currency,
        tier=tier,
    )
    return _Pricing(
        info,
        unit_amount(rows.currency, tier, row_interval),
        frame["qty"].to_numpy(),
        price_index(rows.currency, tier, row_interval),
    )


def _plan_lines(rows: _InvoiceRows, pr: _Pricing) -> pl.DataFrame:
    """The plan's line on every subscription invoice: seats times the price per seat."""
    idx = np.nonzero(rows.kind != _ROW_ONE_OFF)[0]
    unit = pr.unit[idx]
    return _line_block(
        pr.info, idx, 0, unit * pr.qty[idx], pr.qty[idx], pr.plan_price[idx], unit, recurring=True
    )


def _seat_change_lines(cycles: _Cycles, rows: _InvoiceRows, pr: _Pricing) -> list[pl.DataFrame]:
    """A seat change mid-period: credit the unused time of the old seats, charge the new ones."""
    changed = cycles.changed
    chg = np.nonzero(rows.real)[0][changed]
    frac = (cycles.period_start[changed] - cycles.changed_at[changed]) / np.maximum(
        cycles.period_start[changed] - cycles.previous_start[changed], 1
    )
    span = (cycles.changed_at[changed], cycles.period_start[changed])
    blocks = []
    for seq, sign, seats, label in (
        (1, -1, cycles.qty_before[changed], "Unused time"),
        (2, 1, cycles.qty[changed], "Remaining time"),
    ):
        amount = sign * np.round(seats * pr.unit[chg] * frac).astype(np.int64)
        blocks.append(
            _line_block(
                pr.info,
                chg,
                seq,
                amount,
                seats,
                pr.plan_price[chg],
                pr.unit[chg],
                recurring=True,
                proration=True,
                label=label,
                period=span,
            )
        )
    return blocks


def _setup_lines(
    rng: np.random.Generator, pop: Population, rows: _InvoiceRows, pr: _Pricing
) -> pl.DataFrame:
    """A one-off setup fee on some new customers' first invoice."""
    chosen = rng.random(rows.n) < _SETUP
    first = rows.frame["first"].to_numpy()
    setup = np.nonzero(rows.real & first & ~pop.pre_existing[rows.cust] & chosen)[0]
    fee = _SETUP_FEE[rows.currency[setup]]
    ones = np.ones(len(setup), np.int64)
    price = 100 + rows.currency[setup]
    return _line_block(pr.info, setup, 3, fee, ones, price, fee, recurring=False, label="Setup fee")


def _credit_lines(rng: np.random.Generator, rows: _InvoiceRows, pr: _Pricing) -> pl.DataFrame:
    """A service credit of 10-50 % of the plan on a few invoices."""
    credit = np.nonzero(rows.real & (rng.random(rows.n) < _CREDIT))[0]
    share = rng.uniform(0.1, 0.5, size=len(credit))
    amount = -np.round(pr.unit[credit] * pr.qty[credit] * share)
    return _line_block(
        pr.info,
        credit,
        4,
        amount.astype(np.int64),
        np.ones(len(credit), np.int64),
        pr.plan_price[credit],
        pr.unit[credit],
        recurring=True,
        label="Service credit",
    )


def _one_off_lines(rng: np.random.Generator, rows: _InvoiceRows, pr: _Pricing) -> pl.DataFrame:
    """The single line of each one-off invoice, one of a few services."""
    oo = np.nonzero(rows.kind == _ROW_ONE_OFF)[0]
    pick = rng.integers(0, len(_ONE_OFF_AMOUNTS), size=len(oo))
    amount = _ONE_OFF_AMOUNTS[pick]
    return _line_block(
        pr.info,
        oo,
        0,
        amount,
        np.ones(len(oo), np.int64),
        104 + pick,
        amount,
        recurring=False,
        label=pl.Series(_ONE_OFF_NAMES).gather(pick),
    )


def _lines(
    rng: np.random.Generator,
    pop: Population,
    life: Lifecycle,
    cycles: _Cycles,
    rows: _InvoiceRows,
    line_offset: int,
) -> tuple[pl.DataFrame, np.ndarray, pl.Series]:
    """Every invoice's lines; each invoice's amount due and its lines as JSON."""
    pr = _pricing(life, rows)
    lines = [
        _plan_lines(rows, pr),
        *_seat_change_lines(cycles, rows, pr),
        _setup_lines(rng, pop, rows, pr),
        _credit_lines(rng, rows, pr),
        _one_off_lines(rng, rows, pr),
    ]
    line_frame = pl.concat(lines, how="vertical_relaxed").sort(["row", "_seq"])
    ids = stripe_ids(b"il", line_offset + np.arange(line_frame.height, dtype=np.int64), rng)
    line_frame = line_frame.with_columns(ids.alias("id"))
    per_invoice = (
        line_frame.select("row", "amount", _line_json().alias("json"))
        .group_by("row", maintain_order=True)
        .agg(
            pl.col("amount").sum().alias("total"), pl.col("json").str.join(",").alias("lines_json")
        )
    )
    # Every invoice has at least one line, so per_invoice is aligned with the invoice rows.
    assert per_invoice.height == rows.n
    amount_due = np.maximum(per_invoice["total"].to_numpy(), 0)
    return line_frame, amount_due, per_invoice["lines_json"]


@dataclass(frozen=True)
class _History:
    """How each invoice was paid, or not, and when."""

    card: np.ndarray
    fails: np.ndarray  # a card charge that failed at first
    never: np.ndarray  # never paid
    written_off: np.ndarray
    paid_at: np.ndarray
    uncollectible_at: np.ndarray
    due_date: np.ndarray  # -1 without one
    draft: np.ndarray
    kind_void: np.ndarray
    void_ts: np.ndarray
    opened: np.ndarray


def _status_history(rng: np.random.Generator, cycles: _Cycles, rows: _InvoiceRows) -> _History:
    n, kind, send_invoice, row_created = rows.n, rows.kind, rows.send_invoice, rows.created
    card = ~send_invoice
    fails = card & (rng.random(n) < _CARD_FAILS)
    recovers = rng.random(n) < _CARD_RECOVERS
    never = np.where(card, fails & ~recovers, rng.random(n) < _TRANSFER_NEVER_PAID)
    written_off = never & (rng.random(n) < 0.5)
    transfer_delay = np.exp(rng.normal(np.log(18 * DAY), 0.5, size=n)).astype(np.int64)
    paid_at = np.select(
        [never, card & ~fails, card],
        [
            NEVER,
            row_created + rng.integers(30, HOUR, size=n),
            row_created + rng.integers(2 * DAY, 9 * DAY, size=n),
        ],
        default=row_created + transfer_delay,
    )
    uncollectible_at = np.where(
        written_off, row_created + np.where(card, 30 * DAY, 60 * DAY), NEVER
    )
    due_date = np.where(send_invoice, row_created + 30 * DAY, -1)
    draft = (kind == _ROW_ONE_OFF) & (rng.random(n) < _ONE_OFF_DRAFT)
    kind_void = kind == _ROW_VOIDED
    void_ts = np.zeros(n, dtype=np.int64)
    void_ts[kind_void] = cycles.void_at[rows.voided]
    opened = ~draft & ~(card & ~fails & ~kind_void)
    return _History(
        card,
        fails,
        never,
        written_off,
        paid_at,
        uncollectible_at,
        due_date,
        draft,
        kind_void,
        void_ts,
        opened,
    )


def _status_versions(
    cal: Calendar, rows: _InvoiceRows, h: _History
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(invoice row, instant, status code) of every version up to the as-of date, in order."""
    every, row_created = np.arange(rows.n), rows.created
    settled = ~h.draft & ~h.kind_void
    version_parts = [
        (every[h.draft], row_created[h.draft], DRAFT),
        (every[h.opened], row_created[h.opened] + np.where(h.card[h.opened], HOUR, 0), OPEN),
        (every[settled & (h.paid_at < NEVER)], h.paid_at[settled & (h.paid_at < NEVER)], PAID),
        (every[h.kind_void], h.void_ts[h.kind_void], VOID),
        (
            every[settled & h.written_off],
            h.uncollectible_at[settled & h.written_off],
            UNCOLLECTIBLE,
        ),
    ]
    v_row = np.concatenate([p[0] for p in version_parts])
    v_ts = np.concatenate([p[1] for p in version_parts])
    v_status = np.concatenate([np.full(len(p[0]), p[2]) for p in version_parts])
    alive = v_ts < cal.as_of_ts
    v_row, v_ts, v_status = v_row[alive], v_ts[alive], v_status[alive]
    order = np.lexsort((v_status, v_ts, v_row))
    return v_row[order], v_ts[order], v_status[order]


def _versions(
    rng: np.random.Generator,
    pop: Population,
    life: Lifecycle,
    customer_ids: tuple[pl.Series, pl.Series],
    sub_ids: pl.Series,
    invoice_offset: int,
    cal: Calendar,
    rows: _InvoiceRows,
    history: _History,
    amount_due: np.ndarray,
    lines_json: pl.Series,
) -> pl.DataFrame:
    """Every invoice version as Stripe JSON: _rec, _ts, _seq (status code), _line."""
    v_row, v_ts, v_status = _status_versions(cal, rows, history)
    row_cust, row_sub = rows.cust, rows.sub
    invoice_id = stripe_ids(b"in", invoice_offset + np.arange(rows.n), rng)
    customer = pl.select(
        pl.when(pl.Series(rows.billing_no == 1))
        .then(customer_ids[1].gather(row_cust))
        .otherwise(customer_ids[0].gather(row_cust))
    ).to_series()
    subscription = pl.select(
        pl.when(pl.Series(row_sub >= 0))
        .then(sub_ids.gather(np.maximum(row_sub, 0)))
        .otherwise(None)
    ).to_series()
    # The base's first invoice in the history is just another cycle of an older subscription.
    opening = rows.frame["first"].to_numpy() & ~(
        (life.kind[np.maximum(row_sub, 0)] == KIND_MAIN) & pop.pre_existing[row_cust]
    )
    reason = np.select(
        [rows.kind == _ROW_ONE_OFF, opening],
        ["manual", "subscription_create"],
        "subscription_cycle",
    )
    due_date = history.due_date
    invoice_static = pl.DataFrame(
        {
            "id": invoice_id,
            "customer": customer,
            "subscription": subscription,
            "currency": pl.Series(CURRENCIES).gather(rows.currency),
            "created": rows.created,
            "due_date": pl.select(
                pl.when(pl.Series(due_date < 0)).then(None).otherwise(pl.Series(due_date))
            ).to_series(),
            "amount_due": amount_due,
            "collection_method": np.where(
                rows.send_invoice, "send_invoice", "charge_automatically"
            ),
            "billing_reason": reason,
            "lines_json": lines_json,
            "paid_at": history.paid_at,
            "void_ts": history.void_ts,
            "uncollectible_at": history.uncollectible_at,
        }
    )
    return (
        invoice_static[v_row]
        .with_columns(
            pl.Series("_rec", v_row, dtype=pl.Int64),
            pl.Series("_ts", v_ts, dtype=pl.Int64),
            pl.Series("_seq", v_status, dtype=pl.Int64),
        )
        .select("_rec", "_ts", "_seq", _invoice_json())
    )


def _events(cal: Calendar, cycles: _Cycles, rows: _InvoiceRows, h: _History) -> InvoiceEvents:
    """What the subscription and customer objects learn from invoices."""
    as_of, changed = cal.as_of_ts, cycles.changed
    row_sub, row_created = rows.sub, rows.created
    seat_changes = pl.DataFrame(
        {
            "sub": cycles.sub[changed],
            "_ts": cycles.changed_at[changed],
            "quantity": cycles.qty[changed],
        }
    )
    failed = np.nonzero(rows.real & h.fails)[0]
    dunning = pl.concat(
        [
            pl.DataFrame(
                {
                    "sub": row_sub[failed],
                    "_ts": row_created[failed] + HOUR + 1,
                    "status": "past_due",
                }
            ),
            pl.DataFrame({"sub": row_sub[failed], "_ts": h.paid_at[failed], "status": "active"}),
            pl.DataFrame(
                {"sub": row_sub[failed], "_ts": h.uncollectible_at[failed], "status": "unpaid"}
            ),
        ]
    ).filter(pl.col("_ts") < as_of)
    late = np.nonzero(h.never & ~h.draft & ~h.kind_void)[0]
    since = np.where(rows.send_invoice[late], h.due_date[late], row_created[late] + 4 * DAY)
    delinquent_since = (
        pl.DataFrame({"cust": rows.cust[late], "billing_no": rows.billing_no[late], "_ts": since})
        .filter(pl.col("_ts") < as_of)
        .group_by(["cust", "billing_no"])
        .agg(pl.col("_ts").min())
    )
    return InvoiceEvents(seat_changes, dunning, delinquent_since)


@dataclass(frozen=True)
class _Rows:
    """Per invoice row: billing interval (0 = one-off), period, currency and tier indices."""

    interval: np.ndarray
    start: np.ndarray
    end: np.ndarray
    currency: np.ndarray
    tier: np.ndarray


def _line_block(
    info: _Rows,
    idx: np.ndarray,
    seq: int,
    amount: np.ndarray,
    quantity: np.ndarray,
    price: np.ndarray,
    unit: np.ndarray,
    *,
    recurring: bool,
    proration: bool = False,
    label: str | pl.Series | None = None,
    period: tuple[np.ndarray, np.ndarray] | None = None,
) -> pl.DataFrame:
    """Invoice lines of one kind, one for each invoice row in idx (ordered by `_seq`)."""
    interval = info.interval[idx]
    qty = pl.Series(quantity).cast(pl.String)
    tier_name = pl.Series(TIER_NAMES).gather(info.tier[idx])
    cadence = pl.Series(np.select([interval == 1, interval == 3], ["month", "3 months"], "year"))
    if label is None:  # "3 x Business (per month)", with Stripe's multiplication sign
        description = pl.concat_str(
            [qty, pl.lit(f" {_TIMES} "), tier_name, pl.lit(" (per "), cadence, pl.lit(")")]
        )
    elif isinstance(label, str) and proration:  # "Unused time on 3 x Business"
        description = pl.concat_str([pl.lit(label + " on "), qty, pl.lit(f" {_TIMES} "), tier_name])
    elif isinstance(label, str):
        description = pl.lit(label)
    else:
        description = pl.lit(label)  # one per row
    start, end = (info.start[idx], info.end[idx]) if period is None else period
    frame = pl.DataFrame(
        {
            "row": idx.astype(np.int64),
            "_seq": np.full(len(idx), seq, dtype=np.int64),
            "amount": amount.astype(np.int64),
            "currency": pl.Series(CURRENCIES).gather(info.currency[idx]),
            "proration": np.full(len(idx), proration),
            "quantity": quantity.astype(np.int64),
            "price_id": PRICE_CATALOGUE.gather(price.astype(np.int64)),
            "unit_amount": unit.astype(np.int64),
            "recurring": np.full(len(idx), recurring),
            "interval": np.where(interval == 12, "year", "month"),
            "interval_count": np.where(interval == 3, 3, 1).astype(np.int64),
            "start": start.astype(np.int64),
            "end": end.astype(np.int64),
        }
    )
    return frame.with_columns(description.alias("description"))


def _line_json() -> pl.Expr:
    return pl.struct(
        "id",
        pl.lit("line_item").alias("object"),
        "amount",
        "currency",
        "description",
        pl.struct("start", "end").alias("period"),
        "proration",
        "quantity",
        pl.struct(
            pl.col("price_id").alias("id"),
            "unit_amount",
            pl.when(pl.col("recurring"))
            .then(pl.struct("interval", "interval_count"))
            .otherwise(None)
            .alias("recurring"),
        ).alias("price"),
    ).struct.json_encode()


def _invoice_json() -> pl.Expr:
    status = pl.lit(pl.Series(STATUSES)).gather(pl.col("_seq"))
    code = pl.col("_seq")  # the status code orders versions with equal instants
    paid = code == PAID
    top = pl.struct(
        "id",
        pl.lit("invoice").alias("object"),
        "customer",
        "subscription",
        status.alias("status"),
        "currency",
        "created",
        "due_date",
        "amount_due",
        pl.when(paid).then(pl.col("amount_due")).otherwise(0).alias("amount_paid"),
        pl.when(paid | (code == VOID))
        .then(0)
        .otherwise(pl.col("amount_due"))
        .alias("amount_remaining"),
        "collection_method",
        "billing_reason",
        pl.struct(
            pl.when(code != DRAFT).then(pl.col("created")).otherwise(None).alias("finalized_at"),
            pl.when(code == UNCOLLECTIBLE)
            .then(pl.col("uncollectible_at"))
            .otherwise(None)
            .alias("marked_uncollectible_at"),
            pl.when(paid).then(pl.col("paid_at")).otherwise(None).alias("paid_at"),
            pl.when(code == VOID).then(pl.col("void_ts")).otherwise(None).alias("voided_at"),
        ).alias("status_transitions"),
        pl.lit(False).alias("livemode"),
    ).struct.json_encode()
    # The lines object is encoded once per invoice and spliced into each of its versions.
    return pl.concat_str(
        [
            top.str.strip_suffix("}"),
            pl.lit(',"lines":{"object":"list","data":['),
            pl.col("lines_json"),
            pl.lit('],"has_more":false}}'),
        ]
    ).alias("_line")
