"""CRM (Salesforce) accounts and contacts, as JSON lines in the REST API's record shape.

Accounts anchor customers. Sales creates them before a deal (Prospect), flips them to
Customer at the first invoice and often to Former Customer after churn; some get
renamed, stale prospects and accidental duplicate accounts get deleted. Contacts
carry e-mails and phones as typed, change them now and then, and are soft-deleted
with their account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import text
from .calendar import DAY, Calendar
from .ids import salesforce_ids
from .lifecycle import KIND_ADDON, KIND_WINBACK, NEVER, Lifecycle
from .population import Population
from .versions import SALESFORCE_TS, fill_versions, from_epoch, spread

_DUPLICATE = 0.02
_RENAMED = 0.03
_PROSPECT_DELETED = 0.10
_FORMER_CUSTOMER = 0.6
_CONTACTS_PER_ACCOUNT = ([1, 2, 3, 4, 5], [0.45, 0.30, 0.15, 0.07, 0.03])
_CONTACT_EMAIL_CHANGED = 0.03
_CONTACT_PHONE_CHANGED = 0.02
_CONTACT_DELETED = 0.015
_ORPHAN = 0.03


@dataclass(frozen=True)
class CrmRecords:
    accounts: pl.DataFrame  # versions: _rec, _ts, _seq, _line: ready for delivery assignment
    contacts: pl.DataFrame
    account_id: pl.Series  # 18-character Id of each customer's account (null without CRM)


def account_ids(pop: Population) -> pl.Series:
    ids = salesforce_ids(b"001", pop.gidx * 2)
    return pl.select(pl.when(pl.Series(pop.has_crm)).then(ids).otherwise(None)).to_series()


def build_crm(
    rng: np.random.Generator, pop: Population, life: Lifecycle, cal: Calendar
) -> CrmRecords:
    account_id = account_ids(pop)
    accounts, deleted_at = _accounts(rng, pop, life, cal)
    contacts = _contacts(rng, pop, cal, account_id, deleted_at)
    return CrmRecords(accounts, contacts, account_id.alias("account_id"))


def _accounts(
    rng: np.random.Generator, pop: Population, life: Lifecycle, cal: Calendar
) -> tuple[pl.DataFrame, np.ndarray]:
    """Account versions, and per customer the instant its account was deleted (NEVER if not)."""
    n, ws, as_of = pop.n, cal.window_start_ts, cal.as_of_ts
    # Type as sales set it at creation: Customer for the base, Prospect before a first deal,
    # a few partners, and some never set.
    u = rng.random(n)
    type_code = np.zeros(n, dtype=np.int64)  # index into _TYPES
    type_code[pop.pre_existing] = 1
    type_code[~pop.is_payer & (u < 0.05)] = 2
    untyped = (~pop.is_payer & (u >= 0.05) & (u < 0.12)) | (pop.is_payer & (u < 0.03))
    type_code[untyped] = 3
    initial_type = text.take(_TYPES, type_code)
    typed = ~untyped
    acq_ts = cal.month_starts[np.maximum(pop.acq_month, 0)] + pop.anchor

    static = pl.DataFrame(
        {
            "cust": np.arange(n),
            "Id": salesforce_ids(b"001", pop.gidx * 2),
            "Industry": pl.select(
                pl.when(pl.Series(rng.random(n) < 0.12))  # often left empty by sales
                .then(None)
                .otherwise(text.take(text.INDUSTRIES, text.pick(rng, text.INDUSTRIES, n)))
            ).to_series(),
            "BillingCountry": text.country_spelling(rng, pop.country),
            "_created": pop.crm_created,
        }
    )

    parts: list[pl.DataFrame] = []

    def event(rows: np.ndarray, ts: np.ndarray, seq: int, **fields: object) -> None:
        frame = pl.DataFrame(
            {
                "cust": rows,
                "_rec": rows * 2,
                "_ts": ts.astype(np.int64),
                "_seq": np.full(len(rows), seq),
            }
        )
        for name, value in fields.items():
            frame = frame.with_columns(
                value.alias(name)
                if isinstance(value, pl.Series)
                else pl.lit(value, dtype=_DTYPES[name]).alias(name)
            )
        parts.append(frame)

    crm = np.nonzero(pop.has_crm)[0]
    event(
        crm,
        pop.crm_created[crm],
        0,
        Name=pl.Series(pop.company["name"].gather(crm)),
        Type=initial_type.gather(crm),
        IsDeleted=False,
    )

    converted = np.nonzero(pop.has_crm & pop.is_payer & ~pop.pre_existing & typed)[0]
    event(
        converted,
        acq_ts[converted] + rng.integers(0, 2 * DAY, size=len(converted)),
        1,
        Type="Customer",
    )

    # Churned subscriptions flip the account to Former Customer; a win-back flips it back.
    subs = np.nonzero(
        (life.kind != KIND_ADDON) & pop.has_crm[life.cust] & typed[life.cust] & (life.ended < NEVER)
    )[0]
    former = subs[rng.random(len(subs)) < _FORMER_CUSTOMER]
    event(
        life.cust[former],
        life.ended[former] + rng.integers(DAY, 20 * DAY, size=len(former)),
        2,
        Type="Former Customer",
    )
    back = np.nonzero((life.kind == KIND_WINBACK) & pop.has_crm[life.cust] & typed[life.cust])[0]
    event(life.cust[back], life.created[back], 3, Type="Customer")

    renamed = crm[rng.random(len(crm)) < _RENAMED]
    new_name = pl.select(
        pl.when(pl.Series(rng.random(len(renamed)) < 0.5))
        .then(pop.company["name"].gather(renamed).str.to_uppercase())
        .otherwise(pl.concat_str([pop.company["short_name"].gather(renamed), pl.lit(" Group")]))
    ).to_series()
    event(
        renamed,
        spread(rng, np.maximum(pop.crm_created[renamed], ws), np.full(len(renamed), as_of)),
        4,
        Name=new_name,
    )

    deleted_at = np.full(n, NEVER, dtype=np.int64)
    stale = crm[~pop.is_payer[crm] & (rng.random(len(crm)) < _PROSPECT_DELETED)]
    deleted_at[stale] = spread(
        rng, np.maximum(pop.crm_created[stale], ws) + DAY, np.full(len(stale), as_of)
    )
    event(stale, deleted_at[stale], 5, IsDeleted=True)

    events = pl.concat(parts, how="diagonal_relaxed").join(static, on="cust", how="left")

    # Duplicate accounts: the same company entered again later, usually merged away (deleted).
    dup = crm[rng.random(len(crm)) < _DUPLICATE]
    dup_created = pop.crm_created[dup] + rng.integers(30 * DAY, 400 * DAY, size=len(dup))
    dup_static = pl.DataFrame(
        {
            "cust": dup,
            "Id": salesforce_ids(b"001", pop.gidx[dup] * 2 + 1),
            "Industry": None,
            "BillingCountry": static["BillingCountry"].gather(dup),
            "_created": dup_created,
        },
        schema_overrides={"Industry": pl.String},
    )
    dup_name = pop.company["name"].gather(dup)
    merged = rng.random(len(dup)) < 0.9
    dup_events = pl.concat(
        [
            pl.DataFrame(
                {
                    "cust": dup,
                    "_rec": dup * 2 + 1,
                    "_ts": dup_created,
                    "_seq": 0,
                    "Name": dup_name,
                    "Type": initial_type.gather(dup),
                    "IsDeleted": False,
                }
            ),
            pl.DataFrame(
                {
                    "cust": dup[merged],
                    "_rec": dup[merged] * 2 + 1,
                    "_ts": dup_created[merged]
                    + rng.integers(DAY, 45 * DAY, size=int(merged.sum())),
                    "_seq": 5,
                    "IsDeleted": True,
                }
            ),
        ],
        how="diagonal_relaxed",
    ).join(dup_static, on="cust", how="left")

    versions = fill_versions(
        pl.concat([events, dup_events], how="diagonal_relaxed").filter(pl.col("_ts") < as_of),
        ["Name", "Type", "IsDeleted"],
    )
    encoded = versions.select(
        "_rec",
        "_ts",
        "_seq",
        pl.struct(
            pl.struct(
                pl.lit("Account").alias("type"),
                pl.concat_str(
                    [pl.lit("/services/data/v59.0/sobjects/Account/"), pl.col("Id")]
                ).alias("url"),
            ).alias("attributes"),
            "Id",
            "Name",
            "Type",
            "Industry",
            "BillingCountry",
            from_epoch("_created", SALESFORCE_TS).alias("CreatedDate"),
            from_epoch("_ts", SALESFORCE_TS).alias("LastModifiedDate"),
            "IsDeleted",
        )
        .struct.json_encode()
        .alias("_line"),
    )
    return encoded, deleted_at


_TYPES = ["Prospect", "Customer", "Partner", None]
_DTYPES = {"Name": pl.String, "Type": pl.String, "IsDeleted": pl.Boolean}


def _contacts(
    rng: np.random.Generator,
    pop: Population,
    cal: Calendar,
    account_id: pl.Series,
    account_deleted: np.ndarray,
) -> pl.DataFrame:
    ws, as_of = cal.window_start_ts, cal.as_of_ts
    crm = np.nonzero(pop.has_crm)[0]
    count = rng.choice(_CONTACTS_PER_ACCOUNT[0], size=len(crm), p=_CONTACTS_PER_ACCOUNT[1])
    cust = np.repeat(crm, count)
    n = len(cust)
    j = np.arange(n) - np.repeat(np.cumsum(count) - count, count)  # position within the account
    primary = j == 0

    # The primary contact is the customer's main person; others are colleagues.
    others = text.people(rng, n)
    person = pl.DataFrame(
        {
            c: pl.select(
                pl.when(pl.Series(primary)).then(pop.person[c].gather(cust)).otherwise(others[c])
            ).to_series()
            for c in ["first", "last", "first_slug", "last_slug"]
        }
    )
    domain = pop.company["domain"].gather(cust)
    colleague_email = pl.concat_str(
        [person["first_slug"], pl.lit("."), person["last_slug"], pl.lit("@"), domain],
        ignore_nulls=False,
    )
    email = pl.select(
        pl.when(pl.Series(primary))
        .then(pop.person["email"].gather(cust))
        .otherwise(colleague_email)
    ).to_series()
    email_missing = rng.random(n) < np.where(primary, 0.02, 0.06)
    other_phone = text.phones(rng, pop.country[cust])
    phone = pl.DataFrame(
        {
            c: pl.select(
                pl.when(pl.Series(primary))
                .then(pop.phone[c].gather(cust))
                .otherwise(other_phone[c])
            ).to_series()
            for c in ["cc", "area", "sub"]
        }
    )
    phone_missing = rng.random(n) < np.where(primary, 0.08, 0.3)

    created = np.where(
        primary,
        pop.crm_created[cust] + rng.integers(0, 7200, size=n),
        pop.crm_created[cust] + rng.integers(0, 400 * DAY, size=n),
    )
    contact_id = salesforce_ids(b"003", pop.gidx[cust] * 8 + j)
    orphan = ~primary & (rng.random(n) < _ORPHAN)
    base = pl.DataFrame(
        {
            "Id": contact_id,
            "AccountId": pl.select(
                pl.when(pl.Series(orphan)).then(None).otherwise(account_id.gather(cust))
            ).to_series(),
            "FirstName": pl.select(
                pl.when(pl.Series(rng.random(n) < 0.03)).then(None).otherwise(person["first"])
            ).to_series(),
            "LastName": person["last"],
            "_created": created,
        }
    )

    def rendered_email(canonical: pl.Series, rows: np.ndarray) -> pl.Series:
        styles = pl.Series(text.email_styles(rng, len(rows)))
        return pl.select(text.render_email(pl.lit(canonical), pl.lit(styles))).to_series()

    def rendered_phone(parts: pl.DataFrame, rows: np.ndarray) -> pl.Series:
        styles = pl.Series(text.phone_styles(rng, len(rows)))
        return parts.select(
            text.render_phone(pl.col("cc"), pl.col("area"), pl.col("sub"), pl.lit(styles))
        ).to_series()

    everyone = np.arange(n)
    created_email = pl.select(
        pl.when(pl.Series(email_missing)).then(None).otherwise(rendered_email(email, everyone))
    ).to_series()
    created_phone = pl.select(
        pl.when(pl.Series(phone_missing)).then(None).otherwise(rendered_phone(phone, everyone))
    ).to_series()
    parts = [
        pl.DataFrame(
            {
                "row": everyone,
                "_ts": created,
                "_seq": 0,
                "Email": created_email,
                "Phone": created_phone,
                "IsDeleted": False,
            }
        )
    ]

    def changed(share: float) -> tuple[np.ndarray, np.ndarray]:
        rows = everyone[rng.random(n) < share]
        return rows, spread(rng, np.maximum(created[rows], ws) + 3600, np.full(len(rows), as_of))

    rows, ts = changed(_CONTACT_EMAIL_CHANGED)
    new_email = pl.select(
        pl.concat_str(
            [
                person["first_slug"].gather(rows),
                pl.lit("_"),
                person["last_slug"].gather(rows),
                pl.lit("@"),
                domain.gather(rows),
            ]
        )
    ).to_series()
    parts.append(
        pl.DataFrame({"row": rows, "_ts": ts, "_seq": 1, "Email": rendered_email(new_email, rows)})
    )
    rows, ts = changed(_CONTACT_PHONE_CHANGED)
    parts.append(
        pl.DataFrame(
            {
                "row": rows,
                "_ts": ts,
                "_seq": 2,
                "Phone": rendered_phone(text.phones(rng, pop.country[cust[rows]]), rows),
            }
        )
    )
    rows, ts = changed(_CONTACT_DELETED)
    parts.append(pl.DataFrame({"row": rows, "_ts": ts, "_seq": 3, "IsDeleted": True}))
    # Deleting an account deletes its contacts with it.
    cascade = everyone[
        ~orphan & (account_deleted[cust] < NEVER) & (created < account_deleted[cust])
    ]
    parts.append(
        pl.DataFrame(
            {"row": cascade, "_ts": account_deleted[cust[cascade]], "_seq": 4, "IsDeleted": True}
        )
    )

    events = (
        pl.concat(parts, how="diagonal_relaxed")
        .filter(pl.col("_ts") < as_of)
        .join(
            base.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64)),
            on="row",
            how="left",
        )
    )
    versions = fill_versions(events.rename({"row": "_rec"}), ["Email", "Phone", "IsDeleted"])
    return versions.select(
        "_rec",
        "_ts",
        "_seq",
        pl.struct(
            pl.struct(
                pl.lit("Contact").alias("type"),
                pl.concat_str(
                    [pl.lit("/services/data/v59.0/sobjects/Contact/"), pl.col("Id")]
                ).alias("url"),
            ).alias("attributes"),
            "Id",
            "AccountId",
            "FirstName",
            "LastName",
            "Email",
            "Phone",
            from_epoch("_created", SALESFORCE_TS).alias("CreatedDate"),
            from_epoch("_ts", SALESFORCE_TS).alias("LastModifiedDate"),
            "IsDeleted",
        )
        .struct.json_encode()
        .alias("_line"),
    )
