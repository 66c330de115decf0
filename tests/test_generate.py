"""The demo source generator writes the landing contract of docs/sources.md, messy but valid."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from sources import ENTITIES
from sources.generate import generate

AS_OF = dt.date(2026, 11, 1)
CUSTOMERS, MONTHS, SEED = 200, 4, 7
JSON_ENTITIES = [
    "crm/accounts",
    "crm/contacts",
    "billing/customers",
    "billing/subscriptions",
    "billing/invoices",
]
CSV_COLUMNS = {e.landing_path: [f.name for f in e.fields] for e in ENTITIES if e.format == "csv"}
ENTITIES = JSON_ENTITIES + list(CSV_COLUMNS)
SF_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
ISO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    summary = generate(root, customers=CUSTOMERS, months=MONTHS, seed=SEED, as_of=AS_OF)
    assert set(summary) == set(ENTITIES) and all(summary[e] > 0 for e in ENTITIES)
    return root


def data_files(root: Path, entity: str) -> list[Path]:
    return sorted(p for p in (root / entity).glob("*/*") if p.name != "_SUCCESS")


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")


def json_lines(root: Path, entity: str) -> Iterator[tuple[str, str]]:
    """(delivery date, raw line) in delivery, file and line order."""
    for path in data_files(root, entity):
        for line in read_text(path).splitlines():
            yield path.parent.name, line


def csv_rows(root: Path, entity: str) -> Iterator[tuple[str, dict[str, str]]]:
    for path in data_files(root, entity):
        reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
        assert sorted(reader.fieldnames or []) == sorted(CSV_COLUMNS[entity]), path
        for row in reader:
            assert None not in row and None not in row.values(), f"ragged row in {path}"
            yield path.parent.name, row


# --- contract validation of one JSON record --------------------------------------------------


def is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def opt(check, v: object) -> bool:
    return v is None or check(v)


def is_str(v: object) -> bool:
    return isinstance(v, str)


def valid_account(r: dict) -> bool:
    return (
        is_str(r.get("Id"))
        and len(r["Id"]) == 18
        and r["Id"].startswith("001")
        and is_str(r.get("Name"))
        and r.get("Type") in {"Customer", "Prospect", "Partner", "Former Customer", None}
        and opt(is_str, r.get("Industry"))
        and opt(is_str, r.get("BillingCountry"))
        and is_str(r.get("CreatedDate"))
        and bool(SF_DATETIME.match(r["CreatedDate"]))
        and is_str(r.get("LastModifiedDate"))
        and bool(SF_DATETIME.match(r["LastModifiedDate"]))
        and isinstance(r.get("IsDeleted"), bool)
    )


def valid_contact(r: dict) -> bool:
    return (
        is_str(r.get("Id"))
        and len(r["Id"]) == 18
        and r["Id"].startswith("003")
        and opt(lambda a: is_str(a) and len(a) == 18, r.get("AccountId"))
        and all(opt(is_str, r.get(f)) for f in ["FirstName", "LastName", "Email", "Phone"])
        and is_str(r.get("CreatedDate"))
        and bool(SF_DATETIME.match(r["CreatedDate"]))
        and is_str(r.get("LastModifiedDate"))
        and isinstance(r.get("IsDeleted"), bool)
    )


def valid_customer(r: dict) -> bool:
    if not (is_str(r.get("id")) and r["id"].startswith("cus_")):
        return False
    if r.get("deleted") is True and set(r) == {"id", "object", "deleted"}:
        return True
    meta = r.get("metadata")
    return (
        r.get("object") == "customer"
        and is_int(r.get("created"))
        and all(opt(is_str, r.get(f)) for f in ["email", "name", "phone"])
        and r.get("currency") in {"usd", "eur", "gbp", None}
        and isinstance(r.get("delinquent"), bool)
        and isinstance(meta, dict)
        and opt(lambda c: is_str(c) and len(c) in (15, 18), meta.get("crm_account_id"))
    )


def valid_recurring(rec: object) -> bool:
    return (
        isinstance(rec, dict)
        and rec.get("interval") in {"month", "year"}
        and is_int(rec.get("interval_count"))
    )


def valid_subscription(r: dict) -> bool:
    items = r.get("items")
    return (
        is_str(r.get("id"))
        and r["id"].startswith("sub_")
        and is_str(r.get("customer"))
        and r.get("status")
        in {
            "trialing",
            "active",
            "past_due",
            "unpaid",
            "canceled",
            "incomplete",
            "incomplete_expired",
        }
        and is_int(r.get("created"))
        and is_int(r.get("start_date"))
        and all(opt(is_int, r.get(f)) for f in ["canceled_at", "ended_at", "trial_end"])
        and is_str(r.get("currency"))
        and isinstance(items, dict)
        and isinstance(items.get("data"), list)
        and all(
            valid_recurring(i["price"]["recurring"]) and is_int(i["quantity"])
            for i in items["data"]
        )
    )


def valid_line(line: dict) -> bool:
    period = line.get("period")
    return (
        is_int(line.get("amount"))
        and is_str(line.get("currency"))
        and isinstance(line.get("proration"), bool)
        and isinstance(period, dict)
        and is_int(period.get("start"))
        and is_int(period.get("end"))
        and isinstance(line.get("price"), dict)
        and opt(valid_recurring, line["price"].get("recurring"))
    )


def valid_invoice(r: dict) -> bool:
    lines = r.get("lines")
    return (
        is_str(r.get("id"))
        and r["id"].startswith("in_")
        and is_str(r.get("customer"))
        and opt(is_str, r.get("subscription"))
        and r.get("status") in {"draft", "open", "paid", "void", "uncollectible"}
        and is_str(r.get("currency"))
        and is_int(r.get("created"))
        and opt(is_int, r.get("due_date"))
        and all(is_int(r.get(f)) for f in ["amount_due", "amount_paid", "amount_remaining"])
        and isinstance(lines, dict)
        and isinstance(lines.get("data"), list)
        and len(lines["data"]) > 0
        and all(valid_line(x) for x in lines["data"])
    )


VALIDATORS = {
    "crm/accounts": valid_account,
    "crm/contacts": valid_contact,
    "billing/customers": valid_customer,
    "billing/subscriptions": valid_subscription,
    "billing/invoices": valid_invoice,
}


def records(root: Path, entity: str) -> list[tuple[str, dict]]:
    """Valid records only, with their delivery date."""
    out = []
    for delivery, line in json_lines(root, entity):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and VALIDATORS[entity](record):
            out.append((delivery, record))
    return out


# --- tests -----------------------------------------------------------------------------------


def test_layout_matches_the_contract(landing: Path) -> None:
    latest = []
    for entity in ENTITIES:
        folders = sorted(p for p in (landing / entity).iterdir())
        assert folders, entity
        for folder in folders:
            dt.date.fromisoformat(folder.name)  # delivery folders are dates
            for path in folder.iterdir():
                suffixes = (
                    (".jsonl", ".jsonl.gz") if entity in JSON_ENTITIES else (".csv", ".csv.gz")
                )
                assert path.name == "_SUCCESS" or path.name.endswith(suffixes), path
        assert data_files(landing, entity), entity
        latest.append(max(dt.date.fromisoformat(f.name) for f in folders))
    assert max(latest) == AS_OF
    assert dt.date.fromisoformat(
        min(p.name for p in (landing / "crm/accounts").iterdir())
    ) == dt.date(2026, 7, 1)
    assert list(landing.glob("*/*/*/_SUCCESS")), "some delivery folders carry a _SUCCESS marker"
    assert list(landing.glob("*/*/*/*.jsonl.gz")), "large initial loads are gzipped"


def test_same_seed_same_bytes_other_seed_other_bytes(landing: Path, tmp_path: Path) -> None:
    def snapshot(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    again = tmp_path / "again"
    generate(again, customers=CUSTOMERS, months=MONTHS, seed=SEED, as_of=AS_OF)
    assert snapshot(again) == snapshot(landing)
    other = tmp_path / "other"
    generate(other, customers=CUSTOMERS, months=MONTHS, seed=SEED + 1, as_of=AS_OF)
    assert snapshot(other) != snapshot(landing)


def test_refuses_a_non_empty_landing(landing: Path) -> None:
    with pytest.raises(FileExistsError):
        generate(landing, customers=10, months=1)


@pytest.mark.parametrize("entity", JSON_ENTITIES)
def test_json_lines_are_valid_except_a_few_deliberate_bad_ones(landing: Path, entity: str) -> None:
    total = bad = 0
    for _, line in json_lines(landing, entity):
        total += 1
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if not (isinstance(record, dict) and VALIDATORS[entity](record)):
            bad += 1
    assert total > 50
    assert 0 < bad < 0.01 * total, (entity, bad, total)


def test_csv_exports_parse_with_the_contract_columns(landing: Path) -> None:
    calls = [row for _, row in csv_rows(landing, "call_center/calls")]
    surveys = [row for _, row in csv_rows(landing, "call_center/surveys")]
    fx = [row for _, row in csv_rows(landing, "finance/fx_rates")]
    assert calls and surveys and fx
    for row in calls:
        assert row["direction"] in {"inbound", "outbound"} and row["queue"] in {
            "billing",
            "technical",
            "general",
        }
        assert row["disposition"] in {
            "resolved",
            "escalated",
            "follow_up",
            "abandoned",
            "voicemail",
        }
        assert ISO_OFFSET.match(row["started_at"]) and ISO_OFFSET.match(row["ended_at"])
        assert row["answered_at"] == "" or ISO_OFFSET.match(row["answered_at"])
        assert row["wrap_seconds"] == "" or int(row["wrap_seconds"]) >= 0
    for row in surveys:
        assert ISO_OFFSET.match(row["responded_at"])
        assert row["csat"] == "" or 1 <= int(row["csat"]) <= 5
        assert row["nps"] == "" or 0 <= int(row["nps"]) <= 10
        assert row["effort"] == "" or 1 <= int(row["effort"]) <= 7
    comments = [r["comment"] for r in surveys if r["comment"]]
    assert (
        any("," in c for c in comments)
        and any('"' in c for c in comments)
        and any("\n" in c for c in comments)
    )
    assert {r["currency"] for r in fx} >= {"eur", "gbp"}
    assert all(1.0 <= float(r["usd_per_unit"]) <= 1.35 for r in fx)


def test_calls_are_messy_like_a_real_telephony_export(landing: Path) -> None:
    calls = [row for _, row in csv_rows(landing, "call_center/calls")]
    offsets = {row["started_at"][-6:] for row in calls}
    assert len(offsets) >= 4
    starts = [dt.datetime.fromisoformat(r["started_at"]) for r in calls]
    assert any(s.month != s.astimezone(dt.UTC).month for s in starts), "a call crossing a UTC month"
    assert any(r["caller_number"] == "" for r in calls), "withheld numbers"
    assert any(r["customer_ref"].startswith("cus_") for r in calls), "IVR entries"
    short = [
        r
        for r in calls
        if not r["answered_at"]
        and (
            dt.datetime.fromisoformat(r["ended_at"]) - dt.datetime.fromisoformat(r["started_at"])
        ).total_seconds()
        < 5
    ]
    assert short, "short abandons"
    assert {r["direction"] for r in calls} == {"inbound", "outbound"}


def test_salesforce_ids_and_billing_links(landing: Path) -> None:
    accounts = {r["Id"] for _, r in records(landing, "crm/accounts")}
    for account in list(accounts)[:50]:  # the 3-character suffix encodes the case of the first 15
        flags = [
            sum(1 << i for i, ch in enumerate(account[5 * k : 5 * k + 5]) if ch.isupper())
            for k in range(3)
        ]
        assert account[15:] == "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[f] for f in flags)
    links = [
        r["metadata"].get("crm_account_id")
        for _, r in records(landing, "billing/customers")
        if "metadata" in r
    ]
    by_prefix = {a[:15] for a in accounts}
    assert any(link and len(link) == 18 and link in accounts for link in links)
    assert any(link and len(link) == 15 and link in by_prefix for link in links)
    assert any(link is None for link in links)


def test_deleted_records_and_redeliveries(landing: Path) -> None:
    customers = [r for _, r in records(landing, "billing/customers")]
    assert any(set(r) == {"id", "object", "deleted"} for r in customers), "deleted stubs"
    assert any(r.get("IsDeleted") for _, r in records(landing, "crm/accounts"))
    assert any(r.get("IsDeleted") for _, r in records(landing, "crm/contacts"))

    versions: dict[str, dict[str, str]] = defaultdict(dict)
    for delivery, record in records(landing, "billing/invoices"):
        versions[record["id"]][delivery] = record["status"]
    histories = [list(v.values()) for v in versions.values()]
    assert any(h[0] == "open" and h[-1] == "paid" for h in histories), (
        "an invoice paid after delivery"
    )
    contacts: dict[str, set[str]] = defaultdict(set)
    for _, record in records(landing, "crm/contacts"):
        contacts[record["Id"]].add(json.dumps(record, sort_keys=True))
    assert any(len(v) > 1 for v in contacts.values()), "a contact re-delivered with changes"


def test_plans_currencies_and_fx_coverage(landing: Path) -> None:
    subs = [r for _, r in records(landing, "billing/subscriptions")]
    plans = {
        (i["price"]["recurring"]["interval"], i["price"]["recurring"]["interval_count"])
        for s in subs
        for i in s["items"]["data"]
    }
    assert {("month", 1), ("month", 3), ("year", 1)} <= plans
    invoices = [r for _, r in records(landing, "billing/invoices")]
    assert {"usd", "eur", "gbp"} <= {r["currency"] for r in invoices}
    assert {"paid", "open", "void"} <= {r["status"] for r in invoices}
    lines = [x for r in invoices for x in r["lines"]["data"]]
    assert any(x["proration"] for x in lines) and any(
        x["price"]["recurring"] is None for x in lines
    )
    assert any(x["amount"] < 0 and not x["proration"] for x in lines), "a credit line"
    rates = {(r["month"], r["currency"]) for _, r in csv_rows(landing, "finance/fx_rates")}
    for invoice in invoices:
        for line in invoice["lines"]["data"]:
            month = dt.datetime.fromtimestamp(line["period"]["start"], dt.UTC).strftime("%Y-%m")
            if line["currency"] != "usd":
                assert (month, line["currency"]) in rates, (month, line["currency"])
