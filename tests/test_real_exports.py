"""Ingestion of exports as today's systems write them: both Stripe invoice shapes, price-id-only
lines, paged invoices, Salesforce REST and Bulk/Data Loader CSV in every datetime form, record-level
rules, unknown fields at every level and ignored files.

Stripe's own example objects (tests/fixtures/stripe_openapi, see its README) are ingested as
published, only wrapped into the landing layout.
"""

from __future__ import annotations

import copy
import gzip
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from sources.billing import CUSTOMERS, INVOICE_LINE_ITEMS, INVOICES, PRICES, SUBSCRIPTIONS
from sources.crm import ACCOUNTS, CONTACTS
from sources.ingest import ingest_entity
from tests.conftest import FIXTURES, write_jsonl, write_text

STRIPE_EXAMPLES = FIXTURES / "stripe_openapi"
BILLING_ORDER = (CUSTOMERS, SUBSCRIPTIONS, PRICES, INVOICE_LINE_ITEMS, INVOICES)


def rows(raw: Path, table: str) -> list[dict]:
    return [
        r for p in sorted((raw / table).glob("*.parquet")) for r in pq.read_table(p).to_pylist()
    ]


def reasons(raw: Path, table: str) -> dict[int, str]:
    return {r["source_line"]: r["reason"] for r in rows(raw, f"_rejects/{table}")}


def ingest_billing(landing: Path, raw: Path) -> dict:
    return {e.table: ingest_entity(landing, raw, e, "r1") for e in BILLING_ORDER}


def test_stripe_published_examples_of_both_api_versions(tmp_path: Path) -> None:
    """Stripe's example objects of 2024 and of today load without a reject, each field mapped."""
    old = ingest_billing(STRIPE_EXAMPLES / "api_2024", tmp_path / "old")
    new = ingest_billing(STRIPE_EXAMPLES / "api_current", tmp_path / "new")

    for summaries in (old, new):
        assert {t: (s.records_loaded, s.records_rejected) for t, s in summaries.items()} == {
            e.table: (1, 0) for e in BILLING_ORDER
        }
    [old_line] = rows(tmp_path / "old", "billing_invoice_lines")
    [new_line] = rows(tmp_path / "new", "billing_invoice_lines")
    # 2024: the price object is embedded (a one-time price: recurring null), proration on top
    assert (old_line["price_id"], old_line["line_type"], old_line["proration"]) == (
        "price_1PgafmB7WZ01zgkW02Hf9z6c",
        "invoiceitem",
        False,
    )
    # today: no price in the example's `pricing`; `parent.type` says it is an invoice item,
    # whose `invoice_item_details.proration` is true
    assert (new_line["price_id"], new_line["line_type"], new_line["proration"]) == (
        None,
        "invoice_item_details",
        True,
    )
    for line in (old_line, new_line):
        assert (line["amount"], line["currency"], line["recurring"]) == (1000, "usd", None)
        assert line["invoice_id"] == "in_1Pgc6tB7WZ01zgkWu9fdqL6I"
    # today's invoice has a `parent` of type quote_details: no subscription is read from it
    [new_invoice] = rows(tmp_path / "new", "billing_invoices")
    assert new_invoice["subscription"] is None and new_invoice["lines_has_more"] is False
    # unknown fields are named at every level, with how often they occur
    old_unknown = old["billing_invoices"].unknown_counts
    new_unknown = new["billing_invoices"].unknown_counts
    assert old_unknown["lines.data[].discountable"] == 1
    assert old_unknown["lines.data[].price.livemode"] == 1
    assert new_unknown["parent.quote_details"] == 1
    assert new_unknown["lines.data[].taxes"] == 1
    assert new_unknown["lines.data[].parent.invoice_item_details.proration_details"] == 1
    assert "lines.data[].pricing" not in new_unknown  # read: not unknown
    assert not any(k.startswith("metadata.") for k in new["billing_customers"].unknown_counts)


# --- price-id-only lines and paged invoices (the current Stripe shape) -------------------------

SUB = {
    "id": "sub_a",
    "customer": "cus_a",
    "status": "active",
    "created": 1,
    "start_date": 1,
    "currency": "usd",
    "items": {
        "data": [
            {
                "id": "si_a",
                "price": {
                    "id": "price_seat",
                    "unit_amount": 4900,
                    "currency": "usd",
                    "recurring": {"interval": "month", "interval_count": 1},
                },
                "quantity": 3,
            }
        ]
    },
}


def line(line_id: str, price: str | None, kind: str = "subscription_item_details") -> dict:
    details = {"proration": False, "subscription": "sub_a", "subscription_item": "si_a"}
    return {
        "id": line_id,
        "object": "line_item",
        "amount": 14700,
        "currency": "usd",
        "period": {"start": 1788220800, "end": 1790812800},
        "quantity": 3,
        "parent": {"type": kind, kind: details},
        "pricing": {"type": "price_details", "price_details": {"price": price}},
    }


def invoice(invoice_id: str, lines: list[dict], has_more: bool = False) -> dict:
    return {
        "id": invoice_id,
        "customer": "cus_a",
        "status": "paid",
        "currency": "usd",
        "created": 1788220800,
        "amount_due": 14700 * len(lines),
        "amount_paid": 14700 * len(lines),
        "amount_remaining": 0,
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": "sub_a"},
        },
        "lines": {"object": "list", "data": lines, "has_more": has_more},
    }


def test_price_id_only_lines_get_their_interval_or_reject_their_invoice(tmp_path: Path) -> None:
    landing, raw = tmp_path / "landing", tmp_path / "raw"
    write_jsonl(landing, "billing/subscriptions", "2026-09-01", "s.jsonl", [SUB])
    yearly = {"id": "price_year", "recurring": {"interval": "year", "interval_count": 1}}
    weekly = {"id": "price_week", "recurring": {"interval": "week", "interval_count": 2}}
    write_jsonl(landing, "billing/prices", "2026-09-01", "p.jsonl", [yearly, weekly])
    write_jsonl(
        landing,
        "billing/invoices",
        "2026-09-01",
        "i.jsonl",
        [
            invoice("in_items", [line("il_1", "price_seat")]),  # from the subscription's items
            invoice("in_prices", [line("il_2", "price_year")]),  # from billing/prices
            invoice("in_unknown", [line("il_3", "price_gone")]),  # nowhere
            invoice("in_weekly", [line("il_4", "price_week")]),  # not months or years
            invoice("in_oneoff", [line("il_5", "price_x", "invoice_item_details")]),
        ],
    )
    summary = ingest_billing(landing, raw)["billing_invoices"]

    assert (summary.records_loaded, summary.records_rejected) == (3, 2)
    lines = {r["invoice_id"]: r for r in rows(raw, "billing_invoice_lines")}
    assert (
        lines["in_items"]["recurring_interval"],
        lines["in_items"]["recurring_interval_count"],
    ) == (
        "month",
        1,
    )
    assert json.loads(lines["in_items"]["recurring"]) == {"interval": "month", "interval_count": 1}
    assert lines["in_prices"]["recurring_interval"] == "year"
    assert lines["in_oneoff"]["recurring"] is None  # an invoice item: a one-off line
    assert reasons(raw, "billing_invoices") == {
        3: 'line "il_3": price "price_gone" has no known recurring interval (in no '
        "subscription's items, not in billing/prices)",
        4: 'line "il_4": price "price_week" recurs every 2 week, not a number of months or years',
    }

    # The price arrives the next day: the unchanged invoice file is validated again and loads.
    gone = {"id": "price_gone", "recurring": {"interval": "month", "interval_count": 1}}
    write_jsonl(landing, "billing/prices", "2026-09-02", "p.jsonl", [gone])
    again = ingest_billing(landing, raw)["billing_invoices"]
    assert (again.files_ingested, again.records_loaded, again.records_rejected) == (1, 4, 1)
    assert "in_unknown" in {r["invoice_id"] for r in rows(raw, "billing_invoice_lines")}


def test_invoice_with_more_lines_is_completed_or_rejected(tmp_path: Path) -> None:
    landing, raw = tmp_path / "landing", tmp_path / "raw"
    write_jsonl(landing, "billing/subscriptions", "2026-09-01", "s.jsonl", [SUB])
    write_jsonl(
        landing,
        "billing/invoices",
        "2026-09-01",
        "i.jsonl",
        [
            invoice("in_paged", [line("il_p1", "price_seat")], has_more=True),
            invoice("in_cut", [line("il_c1", "price_seat")], has_more=True),
        ],
    )
    # Stripe's /lines endpoint returns every line, the embedded one included
    items = [
        line("il_p1", "price_seat") | {"invoice": "in_paged"},
        line("il_p2", "price_seat") | {"invoice": "in_paged", "amount": 4900},
    ]
    write_jsonl(landing, "billing/invoice_lines", "2026-09-01", "l.jsonl", items)
    summary = ingest_billing(landing, raw)["billing_invoices"]

    assert (summary.records_loaded, summary.records_rejected) == (1, 1)
    paged = [
        (r["line_index"], r["id"], r["amount"], r["recurring_interval"])
        for r in rows(raw, "billing_invoice_lines")
    ]
    assert paged == [(1, "il_p1", 14700, "month"), (2, "il_p2", 4900, "month")]
    assert reasons(raw, "billing_invoices") == {
        2: "lines.has_more is true and billing/invoice_lines holds none of the remaining lines "
        "of in_cut: the invoice is incomplete"
    }


def test_both_invoice_shapes_give_the_same_rows(tmp_path: Path) -> None:
    """One invoice, written before and after 2025-03-31, gives identical raw rows."""
    old_line = {
        "id": "il_1",
        "amount": 14700,
        "currency": "usd",
        "period": {"start": 1788220800, "end": 1790812800},
        "proration": True,
        "quantity": 3,
        "type": "subscription",
        "price": copy.deepcopy(SUB["items"]["data"][0]["price"]),
    }
    old = invoice("in_1", [old_line]) | {"subscription": "sub_a"}
    del old["parent"]
    new_line = line("il_1", "price_seat")
    new_line["parent"]["subscription_item_details"]["proration"] = True
    new = invoice("in_1", [new_line])
    results = {}
    for shape, record in (("old", old), ("new", new)):
        landing, raw = tmp_path / shape / "landing", tmp_path / shape / "raw"
        write_jsonl(landing, "billing/subscriptions", "2026-09-01", "s.jsonl", [SUB])
        write_jsonl(landing, "billing/invoices", "2026-09-01", "i.jsonl", [record])
        ingest_billing(landing, raw)
        drop = {"_ingested_at", "line_type", "recurring", "lines"}  # `lines`: the raw JSON
        results[shape] = (
            [{k: v for k, v in r.items() if k not in drop} for r in rows(raw, "billing_invoices")],
            [
                {k: v for k, v in r.items() if k not in drop}
                for r in rows(raw, "billing_invoice_lines")
            ],
        )
    assert results["old"] == results["new"]
    assert results["new"][0][0]["subscription"] == "sub_a"
    assert results["new"][1][0]["proration"] is True


# --- Salesforce -------------------------------------------------------------------------------

ACCOUNT = {
    "Id": "001Qx00000Acme1IAB",
    "Name": 'Acme, "the" Corp',
    "Type": "Customer",
    "Industry": None,
    "BillingCountry": "USA",
    "CreatedDate": "2024-01-05T10:22:11.000+0000",
    "LastModifiedDate": "2024-01-05T10:22:11.000+0000",
    "IsDeleted": False,
}
FORMS = [
    "2024-01-05T10:22:11.000+0000",
    "2024-01-05T10:22:11+0000",
    "2024-01-05T10:22:11Z",
    "2024-01-05T10:22:11.000Z",
    "2024-01-05T10:22:11+00:00",
    "2024-01-05T10:22:11.000+00:00",
    "2024-01-05T12:22:11.000+0200",
]
# The same records as the REST API returns them, as a Bulk API 2.0 CSV result and as Data Loader
# writes them (every value quoted, booleans as text, null as empty).
BULK_HEADER = (
    '"Id","Name","Type","Industry","BillingCountry","CreatedDate","LastModifiedDate","IsDeleted"\n'
)


def _account(n: int, form: str) -> dict:
    return ACCOUNT | {
        "Id": f"001Qx00000Acm{n:02d}IAB",
        "CreatedDate": form,
        "LastModifiedDate": form,
    }


def _bulk_row(r: dict) -> str:
    def cell(v):
        text = "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
        return '"' + text.replace('"', '""') + '"'

    return ",".join(cell(r[k]) for k in ACCOUNT) + "\n"


def test_salesforce_rest_bulk_csv_and_every_datetime_form_read_the_same(tmp_path: Path) -> None:
    records = [_account(n, form) for n, form in enumerate(FORMS)]
    rest = [
        {
            "attributes": {
                "type": "Account",
                "url": f"/services/data/v62.0/sobjects/Account/{r['Id']}",
            }
        }
        | r
        for r in records
    ]
    csv_text = BULK_HEADER + "".join(_bulk_row(r) for r in records)
    variants = {
        "jsonl": lambda land: write_jsonl(land, "crm/accounts", "2026-06-01", "a.jsonl", records),
        "rest": lambda land: write_jsonl(land, "crm/accounts", "2026-06-01", "a.jsonl", rest),
        "csv": lambda land: write_text(land, "crm/accounts", "2026-06-01", "a.csv", csv_text),
        "csv.gz": lambda land: (
            (land / "crm/accounts/2026-06-01").mkdir(parents=True)
            or (land / "crm/accounts/2026-06-01/a.csv.gz").write_bytes(
                gzip.compress(csv_text.encode())
            )
        ),
    }
    loaded = {}
    for name, write in variants.items():
        landing, raw = tmp_path / name / "landing", tmp_path / name / "raw"
        write(landing)
        summary = ingest_entity(landing, raw, ACCOUNTS, "r1")
        assert (summary.records_loaded, summary.records_rejected) == (len(FORMS), 0), name
        assert summary.unknown_fields == set(), name  # `attributes` is envelope, not unknown
        keep = ("Id", "Name", "Type", "Industry", "BillingCountry", "CreatedDate", "IsDeleted")
        loaded[name] = [{k: r[k] for k in keep} for r in rows(raw, "crm_accounts")]
    assert loaded["rest"] == loaded["jsonl"] == loaded["csv"] == loaded["csv.gz"]
    assert {str(r["CreatedDate"]) for r in loaded["csv"]} == {"2024-01-05 10:22:11"}
    assert {r["IsDeleted"] for r in loaded["csv"]} == {False}
    assert loaded["csv"][0]["Industry"] is None and loaded["csv"][0]["Name"] == 'Acme, "the" Corp'


def test_salesforce_bad_values_are_rejected_quoting_the_value(tmp_path: Path) -> None:
    landing, raw = tmp_path / "landing", tmp_path / "raw"
    write_jsonl(
        landing,
        "crm/accounts",
        "2026-06-01",
        "a.jsonl",
        [
            _account(1, "2024-02-30T10:22:11Z"),  # impossible date
            _account(2, "2024-01-05 10:22"),  # not a Salesforce datetime
            ACCOUNT | {"Id": "001Qx00000Acme1"},  # 15 characters where 18 are required
            ACCOUNT | {"Id": "001Qx00000Acm04IAB", "Type": "Client"},
            ACCOUNT | {"Id": "001Qx00000Acm05IAB"},  # fine
        ],
    )
    write_text(
        landing,
        "crm/contacts",
        "2026-06-01",
        "c.csv",
        '"Id","AccountId","Email","CreatedDate","LastModifiedDate","IsDeleted"\n'
        '"003Qx00000Ct001IAB","001Qx00000Acme1IAB","","2024-01-05T10:22:11Z","2024-01-05T10:22:11Z","yes"\n'
        '"003Qx00000Ct002IAB","001Qx00000Acme1IAB","","2024-13-05T10:22:11Z","2024-01-05T10:22:11Z","false"\n',
    )
    accounts = ingest_entity(landing, raw, ACCOUNTS, "r1")
    contacts = ingest_entity(landing, raw, CONTACTS, "r1")

    assert (accounts.records_loaded, accounts.records_rejected) == (1, 4)
    assert (contacts.records_loaded, contacts.records_rejected) == (0, 2)
    expected_dt = "a Salesforce datetime (2024-01-05T10:22:11.000+0000)"
    got = reasons(raw, "crm_accounts")
    assert got[1].startswith(f'CreatedDate: expected {expected_dt}, found "2024-02-30T10:22:11Z"')
    assert got[2].startswith(f'CreatedDate: expected {expected_dt}, found "2024-01-05 10:22"')
    assert got[3] == 'Id: "001Qx00000Acme1" is not an 18-character Salesforce id'
    assert got[4] == 'Type: "Client" is not one of Customer, Prospect, Partner, Former Customer'
    got = reasons(raw, "crm_contacts")
    assert got[2] == 'IsDeleted: expected a boolean, found "yes"'
    assert got[3] == f'CreatedDate: expected {expected_dt}, found "2024-13-05T10:22:11Z"'


# --- record-level rules, ignored files --------------------------------------------------------


def test_record_level_rules_reject_only_the_breaking_record(tmp_path: Path) -> None:
    landing, raw = tmp_path / "landing", tmp_path / "raw"
    good = {"id": "cus_a", "created": 1, "currency": "usd", "metadata": {"any": "thing"}}
    write_jsonl(
        landing,
        "billing/customers",
        "2026-06-01",
        "c.jsonl",
        [
            good,
            good | {"id": "a_customer"},
            good | {"id": "cus_b", "currency": "USD"},
            good | {"id": "cus_c", "metadata": {"crm_account_id": "001Qx00000Acme1I"}},
        ],
    )
    summary = ingest_entity(landing, raw, CUSTOMERS, "r1")

    assert (summary.records_loaded, summary.records_rejected) == (1, 3)
    assert reasons(raw, "billing_customers") == {
        2: 'id: "a_customer" is not a cus_ id',
        3: 'currency: "USD" is not an ISO 4217 code in lower case',
        4: 'crm_account_id: "001Qx00000Acme1I" is not a 15- or 18-character Salesforce id',
    }
    assert summary.unknown_fields == set()  # metadata keys are the sender's own


def test_ignored_files_are_recorded_with_their_reason(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_jsonl(landing, "billing/prices", "2026-06-01", "p.jsonl", [{"id": "price_a"}])
    write_text(landing, "billing/prices", "2026-06-01", "_SUCCESS", "")
    write_text(landing, "billing/prices", "2026-06-01", "prices.csv", "id\nprice_b\n")
    write_text(landing, "billing/prices", "latest", "p.jsonl", "{}\n")
    shutil.copy(landing / "billing/prices/2026-06-01/p.jsonl", landing / "billing/prices/notes.txt")
    summary = ingest_entity(landing, tmp_path / "raw", PRICES, "r1")

    assert summary.records_loaded == 1
    assert summary.ignored_reasons == {
        "billing/prices/2026-06-01/_SUCCESS": "a marker file",
        "billing/prices/2026-06-01/prices.csv": "not a data file (read: *.jsonl, *.jsonl.gz)",
        "billing/prices/latest": "a folder outside any delivery folder (YYYY-MM-DD)",
        "billing/prices/notes.txt": "a file outside any delivery folder (YYYY-MM-DD)",
    }


def test_run_summary_names_ignored_files_and_most_frequent_unknown_fields(tmp_path: Path) -> None:
    from orchestration.defs.ingestion import ingestion_metadata, summary_notes

    landing = tmp_path / "landing"
    monthly = {"interval": "month", "interval_count": 1}
    prices = [
        {"id": "price_a", "livemode": False, "recurring": monthly | {"meter": None}},
        {"id": "price_b", "livemode": False, "recurring": monthly | {"meter": None}},
        {"id": "price_c", "livemode": False, "nickname": "Gold", "recurring": None},
    ]
    write_jsonl(landing, "billing/prices", "2026-06-01", "p.jsonl", prices)
    write_text(landing, "billing/prices", "2026-06-01", "_SUCCESS", "")
    write_text(landing, "billing/prices", "2026-06-01", "README.md", "about this export\n")
    summary = ingest_entity(landing, tmp_path / "raw", PRICES, "r1")

    ignored = (
        "2 file(s) ignored: billing/prices/2026-06-01/README.md (not a data file (read: *.jsonl, "
        "*.jsonl.gz)); billing/prices/2026-06-01/_SUCCESS (a marker file)"
    )
    unknown = "3 unknown field(s), most frequent: livemode (3), recurring.meter (2), nickname (1)"
    assert summary_notes(ingestion_metadata(summary)) == [ignored, unknown]


def test_invoices_are_ingested_after_what_completes_them_and_gated() -> None:
    import dagster as dg

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["raw", "billing_invoices"])).parent_keys
    assert {
        dg.AssetKey(["raw", "billing_subscriptions"]),
        dg.AssetKey(["raw", "billing_prices"]),
        dg.AssetKey(["raw", "billing_invoice_line_items"]),
    } <= parents
    gates = {
        c.name: graph.get_check_spec(c).blocking
        for c in graph.asset_check_keys
        if c.asset_key == dg.AssetKey(["intermediate", "int_invoice_lines__counted"])
    }
    assert gates["counted_lines_interval_known"] is True


def test_interval_gate_fails_on_a_counted_line_without_interval() -> None:
    import duckdb

    from orchestration.defs.quality.gx_bridge import Validator, load_suites
    from orchestration.settings import EXPECTATIONS_DIR

    [suite] = [s for s in load_suites(EXPECTATIONS_DIR) if s.name == "counted_lines_interval_known"]
    con = duckdb.connect()
    con.execute(
        "create schema intermediate; create table intermediate.int_invoice_lines__counted "
        "(invoice_line_key varchar, recurring_interval varchar, recurring_interval_count int, "
        "interval_months int)"
    )
    insert = "insert into intermediate.int_invoice_lines__counted values (?, ?, ?, ?)"
    con.executemany(insert, [[f"in_{i}:1", "month", 1, 1] for i in range(1, 4)])
    validator = Validator()
    grouped = con.sql(suite.query).df()
    # the SQL hands GX one row for the three good lines, not the lines themselves
    assert grouped[["invoice_lines", "example_invoice_line"]].values.tolist() == [[3, "in_1:1"]]
    assert validator.validate(suite, grouped).success

    con.executemany(insert, [["in_9:1", None, None, None], ["in_8:1", None, None, None]])
    failed = validator.validate(suite, con.sql(suite.query).df())
    assert not failed.success
    assert "every counted line has a known recurring interval" in failed.summary()
    assert "in_8:1" in json.dumps(con.sql(suite.query).df().to_dict("records"))
