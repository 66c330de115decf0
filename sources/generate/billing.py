"""Billing (Stripe) customers and subscriptions; invoices live in invoices.py.

A billing customer points back to its CRM account through `metadata.crm_account_id`
(the 18-character id, or only its first 15 characters), or can only be matched by
an e-mail or phone of a contact, or not at all. Customers that churned for good are
sometimes deleted, then delivered in full with `deleted: true` or as the bare stub.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import text
from .calendar import DAY, Calendar
from .ids import stripe_customer_ids, stripe_ids
from .invoices import PRICE_CATALOGUE, InvoiceEvents, build_invoices, price_index, unit_amount
from .lifecycle import KIND_ADDON, NEVER, Lifecycle
from .population import (
    CURRENCIES,
    LINK_EMAIL,
    LINK_ID15,
    LINK_ID18,
    LINK_NONE,
    LINK_PHONE,
    Population,
)
from .versions import fill_versions, spread

_EMAIL_CHANGED = 0.02
_DELETED_AFTER_CHURN = 0.3
_DELETED_AS_STUB = 0.6
_NEVER_DELIVERED = 0.001
_EMPTY_METADATA = '"metadata":{"crm_account_id":null}'


@dataclass(frozen=True)
class BillingRecords:
    customers: pl.DataFrame  # versions: _rec, _ts, _seq, _line
    subscriptions: pl.DataFrame
    invoices: pl.DataFrame
    customer_id: pl.Series  # each customer's main billing customer id (valid for payers)
    invoice_count: int
    line_count: int


def build_billing(
    rng: np.random.Generator,
    pop: Population,
    life: Lifecycle,
    cal: Calendar,
    account_id: pl.Series,
    invoice_offset: int,
    line_offset: int,
) -> BillingRecords:
    main_ids = stripe_customer_ids(pop.gidx * 2, rng)
    second_ids = stripe_customer_ids(pop.gidx * 2 + 1, rng)
    sub_ids = stripe_ids(b"sub", pop.gidx[life.cust] * 4 + life.kind, rng)
    invoices = build_invoices(
        rng, pop, life, cal, (main_ids, second_ids), sub_ids, invoice_offset, line_offset
    )
    subscriptions = _subscriptions(
        rng, pop, life, cal, (main_ids, second_ids), sub_ids, invoices.events
    )
    customers = _customers(rng, pop, life, cal, account_id, (main_ids, second_ids), invoices.events)
    return BillingRecords(
        customers, subscriptions, invoices.versions, main_ids, invoices.count, invoices.line_count
    )


def nullable(values: np.ndarray, missing: np.ndarray) -> pl.Series:
    """An Int64 Series with nulls where `missing`."""
    return pl.select(
        pl.when(pl.Series(missing)).then(None).otherwise(pl.Series(values))
    ).to_series()


def _pick(mask: np.ndarray, yes: pl.Series, no: pl.Series) -> pl.Series:
    return pl.select(pl.when(pl.Series(mask)).then(yes).otherwise(no)).to_series()


def _first(*cases: tuple[np.ndarray, pl.Series | None]) -> pl.Series:
    """Per row, the value of the first case whose mask holds (null if none does)."""
    expr: pl.Expr | pl.When | pl.Then | None = None
    for mask, value in cases:
        then = pl.lit(None, pl.String) if value is None else value
        expr = (pl.when if expr is None else expr.when)(pl.Series(mask)).then(then)
    assert expr is not None
    return pl.select(expr.otherwise(None)).to_series()


def _customers(
    rng: np.random.Generator,
    pop: Population,
    life: Lifecycle,
    cal: Calendar,
    account_id: pl.Series,
    ids: tuple[pl.Series, pl.Series],
    events: InvoiceEvents,
) -> pl.DataFrame:
    ws, as_of = cal.window_start_ts, cal.as_of_ts
    payers = np.nonzero(pop.is_payer)[0]
    second_sub = np.nonzero((life.kind == KIND_ADDON) & (life.billing_no == 1))[0]
    second = life.cust[second_sub]
    cust = np.concatenate([payers, second])
    billing_no = np.concatenate([np.zeros(len(payers), np.int64), np.ones(len(second), np.int64)])
    n = len(cust)
    is_second = billing_no == 1
    mode = np.where(pop.has_crm[cust], pop.link_mode[cust], -1)

    acct = account_id.gather(cust)
    crm_id = _first(
        (is_second | (mode == LINK_ID18), acct),
        (mode == LINK_ID15, acct.str.slice(0, 15)),
    )

    # E-mail, phone and name, by how the customer can be linked back to the CRM.
    person = pop.person[cust]
    domain = pop.company["domain"].gather(cust)
    id_mode = (mode == LINK_ID18) | (mode == LINK_ID15)
    role = pl.select(
        text.role_mailbox(pl.lit(domain), pl.lit(pl.Series(rng.integers(0, 5, size=n))))
    ).to_series()
    primary = person["email"]  # the primary contact's address (canonical)
    retyped = pl.select(  # the same address, typed in another case or with spaces
        text.render_email(pl.lit(primary), pl.lit(pl.Series(rng.integers(0, 4, size=n))))
    ).to_series()
    personal = person.select(
        text.personal_email(
            pl.col("first_slug"),
            pl.col("last_slug"),
            pl.lit(pl.Series(pop.gidx[cust] % 997)),
            pl.lit(pl.Series(rng.integers(0, 6, size=n))),
        )
    ).to_series()
    u = rng.random(n)
    email = _first(
        (is_second | (mode == LINK_PHONE), role),
        (id_mode & (u < 0.5), role),
        (id_mode, primary),
        (mode == LINK_EMAIL, retyped),
        (mode == LINK_NONE, personal),
        (u < 0.9, personal),  # self-service sign-ups without CRM
    )

    def rendered(parts: pl.DataFrame, styles: np.ndarray) -> pl.Series:
        return parts.select(
            text.render_phone(
                pl.col("cc"), pl.col("area"), pl.col("sub"), pl.lit(pl.Series(styles))
            )
        ).to_series()

    # Formats that parse to the contact's number whatever the country.
    matching_style = np.array([0, 1, 2, 3, 5, 7])[rng.integers(0, 6, size=n)]
    own = rendered(pop.phone[cust], matching_style)
    own_as_typed = rendered(pop.phone[cust], text.phone_styles(rng, n))
    stranger = rendered(text.phones(rng, pop.country[cust]), matching_style)
    v = rng.random(n)
    phone = _first(
        (is_second, None),
        (mode == LINK_PHONE, own),
        ((mode == LINK_NONE) & (v < 0.4), stranger),
        ((id_mode & (v < 0.35)) | ((mode == LINK_EMAIL) & (v < 0.3)), own_as_typed),
        ((mode == -1) & (v < 0.4), own),
    )

    company = pop.company["name"].gather(cust)
    full_name = pl.select(pl.concat_str([person["first"], pl.lit(" "), person["last"]])).to_series()
    w = rng.random(n)
    name = _first(
        ((mode == -1) & (w < 0.7), full_name),  # self-service: a person's name
        ((mode != -1) & (w < 0.85), company),
        ((mode != -1) & (w < 0.9), company.str.to_uppercase()),
    )

    created = pop.billing_created[cust].copy()
    created[is_second] = life.created[second_sub] - rng.integers(60, 3600, size=len(second_sub))
    key = pl.DataFrame({"cust": cust, "billing_no": billing_no})
    customer_id = _pick(is_second, ids[1].gather(cust), ids[0].gather(cust))
    static = pl.DataFrame(
        {
            "row": np.arange(n),
            "id": customer_id,
            "created": created,
            "currency": pl.Series(CURRENCIES).gather(pop.currency[cust]),
            "crm_account_id": crm_id,
        }
    )

    parts = [
        pl.DataFrame(
            {
                "row": np.arange(n),
                "_ts": created,
                "_seq": 0,
                "email": email,
                "name": name,
                "phone": phone,
                "delinquent": False,
                "deleted": False,
                "stub": False,
            }
        )
    ]
    changed = np.nonzero(rng.random(n) < _EMAIL_CHANGED)[0]
    parts.append(
        pl.DataFrame(
            {
                "row": changed,
                "_ts": spread(rng, np.maximum(created[changed], ws), np.full(len(changed), as_of)),
                "_seq": 1,
                "email": role.gather(changed).str.replace("@", ".team@", literal=True),
            }
        )
    )
    late = key.with_row_index("row").join(
        events.delinquent_since, on=["cust", "billing_no"], how="inner"
    )
    parts.append(
        late.select(
            pl.col("row").cast(pl.Int64),
            "_ts",
            pl.lit(2).alias("_seq"),
            pl.lit(True).alias("delinquent"),
        )
    )
    # Deleted after churning for good: nothing of the customer is active any more.
    last_end = np.zeros(pop.n, dtype=np.int64)
    np.maximum.at(last_end, life.cust, life.ended)
    gone = np.nonzero(
        ~is_second & (last_end[cust] < as_of) & (rng.random(n) < _DELETED_AFTER_CHURN)
    )[0]
    parts.append(
        pl.DataFrame(
            {
                "row": gone,
                "_ts": last_end[cust[gone]] + rng.integers(3 * DAY, 45 * DAY, size=len(gone)),
                "_seq": 3,
                "deleted": True,
                "stub": rng.random(len(gone)) < _DELETED_AS_STUB,
            }
        )
    )

    lost = rng.random(n) < _NEVER_DELIVERED  # never reached the landing: invoices still point at it
    events_frame = (
        pl.concat(parts, how="diagonal_relaxed")
        .filter((pl.col("_ts") < as_of) & ~pl.lit(pl.Series(lost)).gather(pl.col("row")))
        .join(static, on="row", how="left")
    )
    versions = fill_versions(
        events_frame.with_columns(pl.col("row").alias("_rec")),
        ["email", "name", "phone", "delinquent", "deleted", "stub"],
    )
    full = (
        pl.struct(
            "id",
            pl.lit("customer").alias("object"),
            "created",
            "currency",
            "delinquent",
            "email",
            pl.struct("crm_account_id").alias("metadata"),
            "name",
            "phone",
            pl.lit(False).alias("livemode"),
        )
        .struct.json_encode()
        .str.replace(_EMPTY_METADATA, '"metadata":{}', literal=True)
    )
    return versions.select(
        "_rec",
        "_ts",
        "_seq",
        pl.when(pl.col("stub"))
        .then(
            pl.concat_str(
                [pl.lit('{"id":"'), pl.col("id"), pl.lit('","object":"customer","deleted":true}')]
            )
        )
        .when(pl.col("deleted"))
        .then(pl.concat_str([full.str.strip_suffix("}"), pl.lit(',"deleted":true}')]))
        .otherwise(full)
        .alias("_line"),
    )


def _subscriptions(
    rng: np.random.Generator,
    pop: Population,
    life: Lifecycle,
    cal: Calendar,
    ids: tuple[pl.Series, pl.Series],
    sub_ids: pl.Series,
    events: InvoiceEvents,
) -> pl.DataFrame:
    as_of = cal.as_of_ts
    n = life.n
    every = np.arange(n)
    first_qty = life.qty[every, np.minimum(life.start_m, cal.months)]
    static = pl.DataFrame(
        {
            "sub": every,
            "id": sub_ids,
            "customer": _pick(
                life.billing_no == 1, ids[1].gather(life.cust), ids[0].gather(life.cust)
            ),
            "created": life.created,
            "trial_end": nullable(life.trial_end, life.trial_end < 0),
            "currency": pl.Series(CURRENCIES).gather(life.currency),
            "collection_method": np.where(
                pop.send_invoice[life.cust], "send_invoice", "charge_automatically"
            ),
            "item_id": stripe_ids(b"si", pop.gidx[life.cust] * 4 + life.kind, rng),
            "price_id": PRICE_CATALOGUE.gather(
                price_index(life.currency, life.tier, life.interval)
            ),
            "unit_amount": unit_amount(life.currency, life.tier, life.interval).astype(np.int64),
            "interval": np.where(life.interval == 12, "year", "month"),
            "interval_count": np.where(life.interval == 3, 3, 1),
            "ended_ts": life.ended,
        }
    )
    trial = every[life.trial_end > 0]
    requested = every[(life.cancel_requested < NEVER) & (life.ended != life.cancel_requested)]
    immediate = every[(life.ended < NEVER) & (life.ended == life.cancel_requested)]
    at_period_end = every[(life.ended < NEVER) & (life.ended != life.cancel_requested)]
    parts = [
        pl.DataFrame(
            {
                "sub": every,
                "_ts": life.created,
                "_seq": 0,
                "status": np.where(life.trial_end > 0, "trialing", "active"),
                "quantity": first_qty,
                "cancel_at_period_end": False,
            }
        ),
        pl.DataFrame({"sub": trial, "_ts": life.trial_end[trial], "_seq": 1, "status": "active"}),
        events.seat_changes.with_columns(pl.lit(2).alias("_seq")),
        events.dunning.with_columns(pl.lit(3).alias("_seq")),
        pl.DataFrame(
            {
                "sub": requested,
                "_ts": life.cancel_requested[requested],
                "_seq": 4,
                "cancel_at_period_end": True,
                "canceled_at": life.cancel_requested[requested],
            }
        ),
        pl.DataFrame(
            {
                "sub": immediate,
                "_ts": life.ended[immediate],
                "_seq": 5,
                "status": "canceled",
                "canceled_at": life.ended[immediate],
                "ended_at": life.ended[immediate],
            }
        ),
        pl.DataFrame(
            {
                "sub": at_period_end,
                "_ts": life.ended[at_period_end],
                "_seq": 5,
                "status": "canceled",
                "cancel_at_period_end": False,
                "ended_at": life.ended[at_period_end],
            }
        ),
    ]
    frame = (
        pl.concat(parts, how="diagonal_relaxed")
        .join(static, on="sub", how="left")
        # Payment troubles after the end no longer change a canceled subscription's status.
        .filter(
            (pl.col("_ts") < as_of) & ((pl.col("_seq") != 3) | (pl.col("_ts") < pl.col("ended_ts")))
        )
    )
    versions = fill_versions(
        frame.with_columns(pl.col("sub").alias("_rec")),
        ["status", "quantity", "cancel_at_period_end", "canceled_at", "ended_at"],
    )
    return versions.select(
        "_rec",
        "_ts",
        "_seq",
        pl.struct(
            "id",
            pl.lit("subscription").alias("object"),
            "customer",
            "status",
            "created",
            pl.col("created").alias("start_date"),
            "canceled_at",
            "cancel_at_period_end",
            "ended_at",
            "trial_end",
            "currency",
            "collection_method",
            pl.struct(
                pl.lit("list").alias("object"),
                pl.concat_list(
                    pl.struct(
                        pl.col("item_id").alias("id"),
                        pl.struct(
                            pl.col("price_id").alias("id"),
                            "unit_amount",
                            "currency",
                            pl.struct("interval", "interval_count").alias("recurring"),
                        ).alias("price"),
                        "quantity",
                    )
                ).alias("data"),
            ).alias("items"),
            pl.lit(False).alias("livemode"),
        )
        .struct.json_encode()
        .alias("_line"),
    )
