"""Raw ingestion: every entity lands typed with lineage; bad input is rejected, never dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import sources
from sources.ingest import ingest_entity
from tests.conftest import write_jsonl, write_text
from tests.samples import ACCOUNT, CALLS_HEADER


def ingest(tmp_path: Path, table: str, run_id: str = "r1"):
    return ingest_entity(
        tmp_path / "landing", tmp_path / "raw", sources.ENTITIES_BY_TABLE[table], run_id
    )


def rows(tmp_path: Path, table: str) -> list[dict]:
    folder = tmp_path / "raw" / table
    return [r for p in sorted(folder.glob("*.parquet")) for r in pq.read_table(p).to_pylist()]


def rejects(tmp_path: Path, table: str) -> list[dict]:
    return rows(tmp_path, f"_rejects/{table}")


def test_json_bad_lines_are_rejected_with_reason_and_good_ones_load(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_jsonl(
        landing,
        "crm/accounts",
        "2026-01-01",
        "part-1.jsonl",
        [
            ACCOUNT,
            '{"Id": "001000000000002AAA", "Name": "Broken',  # malformed JSON (truncated line)
            ACCOUNT | {"Id": "001000000000003AAA", "IsDeleted": "no"},  # wrong type
            {k: v for k, v in ACCOUNT.items() if k != "Name"}
            | {"Id": "001000000000004AAA"},  # missing
            ACCOUNT | {"Id": "001000000000005AAA", "Extra": 1},  # unknown field: loads, reported
        ],
    )
    summary = ingest(tmp_path, "crm_accounts")

    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (5, 2, 3)
    assert summary.unknown_fields == {"Extra"}
    loaded = rows(tmp_path, "crm_accounts")
    assert [r["Id"] for r in loaded] == ["001000000000001AAA", "001000000000005AAA"]
    assert loaded[0]["_source_file"] == "crm/accounts/2026-01-01/part-1.jsonl"
    assert loaded[0]["_source_line"] == 1 and str(loaded[0]["_delivery_date"]) == "2026-01-01"
    assert str(loaded[0]["CreatedDate"]) == "2024-01-05 10:22:11"
    reasons = {r["source_line"]: r["reason"] for r in rejects(tmp_path, "crm_accounts")}
    assert reasons[2].startswith("malformed JSON")
    assert reasons[3] == 'IsDeleted: expected a boolean, found "no"'  # the value, quoted
    assert reasons[4] == "missing Name"
    raw = {r["source_line"]: r["raw_record"] for r in rejects(tmp_path, "crm_accounts")}
    assert raw[2] == '{"Id": "001000000000002AAA", "Name": "Broken'


def test_csv_wrong_column_count_and_bad_values_are_rejected(tmp_path: Path) -> None:
    write_text(
        tmp_path / "landing",
        "call_center/calls",
        "2026-01-02",
        "calls.csv",
        CALLS_HEADER + "c1,inbound,415.555.0100,,billing,a1,2026-01-31T21:30:00-05:00,"
        "2026-01-31T21:30:10-05:00,2026-01-31T21:35:00-05:00,,resolved\n"
        + "c2,inbound,,,billing\n"  # wrong column count
        + "c3,inbound,,,billing,,yesterday,,2026-01-31T21:35:00-05:00,x,abandoned\n"
        + '"c4",outbound,"+44 20 7946 0958",,general,a2,2026-02-01T08:00:00+01:00,'
        '2026-02-01T08:00:05+01:00,2026-02-01T08:10:00+01:00,30,"follow_up"\n',
    )
    summary = ingest(tmp_path, "call_center_calls")

    assert (summary.records_loaded, summary.records_rejected) == (2, 2)
    loaded = {r["call_id"]: r for r in rows(tmp_path, "call_center_calls")}
    # local time with its offset becomes UTC: 21:30 at -05:00 on Jan 31 is 02:30 UTC on Feb 1
    assert str(loaded["c1"]["started_at"]) == "2026-02-01 02:30:00"
    assert loaded["c1"]["caller_number_e164"] == "+14155550100"
    assert loaded["c1"]["wrap_seconds"] is None
    assert str(loaded["c4"]["started_at"]) == "2026-02-01 07:00:00"
    reasons = {r["source_line"]: r["reason"] for r in rejects(tmp_path, "call_center_calls")}
    assert reasons[3] == "expected 11 fields, found 5"
    assert "started_at: expected an ISO 8601 datetime with offset" in reasons[4]
    assert "wrap_seconds: expected an integer" in reasons[4]


def test_unreadable_gzip_and_wrong_header_reject_the_whole_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "crm/accounts/2026-01-01").mkdir(parents=True)
    (landing / "crm/accounts/2026-01-01/broken.jsonl.gz").write_bytes(b"not gzip at all\n")
    write_jsonl(landing, "crm/accounts", "2026-01-01", "good.jsonl.gz", [ACCOUNT])
    write_text(
        landing,
        "call_center/calls",
        "2026-01-02",
        "calls.csv",
        "call_id,direction,call_id\nc1,inbound,c1\nc2,inbound,c2\n",
    )

    accounts = ingest(tmp_path, "crm_accounts")
    calls = ingest(tmp_path, "call_center_calls")

    assert (accounts.files_rejected, accounts.records_loaded) == (1, 1)
    [gz] = rejects(tmp_path, "crm_accounts")
    assert gz["source_line"] is None and "cannot read broken.jsonl.gz" in gz["reason"]
    [header] = rejects(tmp_path, "call_center_calls")
    assert header["reason"].startswith("wrong header: missing required column(s) ['queue'")
    assert "duplicated column(s) ['call_id']" in header["reason"]
    assert header["records"] == 2  # a file rejected whole counts as its data rows
    assert calls.records_rejected == 2


def test_markers_are_ignored_and_reported(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "landing", "crm/accounts", "2026-01-01", "a.jsonl", [ACCOUNT])
    write_text(tmp_path / "landing", "crm/accounts", "2026-01-01", "_SUCCESS", "")
    summary = ingest(tmp_path, "crm_accounts")
    assert summary.ignored == ["crm/accounts/2026-01-01/_SUCCESS"]
    assert summary.ignored_reasons == {"crm/accounts/2026-01-01/_SUCCESS": "a marker file"}
    assert summary.records_loaded == 1


def test_rerun_skips_unchanged_files_and_picks_up_changed_ones(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = write_jsonl(landing, "crm/accounts", "2026-01-01", "a.jsonl", [ACCOUNT])
    first = ingest(tmp_path, "crm_accounts")
    again = ingest(tmp_path, "crm_accounts", "r2")
    assert (first.files_ingested, again.files_ingested, again.files_skipped) == (1, 0, 1)
    assert len(rows(tmp_path, "crm_accounts")) == 1

    path.touch()  # same content, new mtime: hashed, still skipped
    assert ingest(tmp_path, "crm_accounts", "r3").files_ingested == 0

    write_jsonl(
        landing,
        "crm/accounts",
        "2026-01-01",
        "a.jsonl",
        [ACCOUNT | {"Name": "Acme Corp"}, ACCOUNT | {"Id": "001000000000009AAA"}],
    )
    changed = ingest(tmp_path, "crm_accounts", "r4")
    assert changed.files_ingested == 1
    assert sorted(r["Name"] for r in rows(tmp_path, "crm_accounts")) == ["Acme", "Acme Corp"]

    path.unlink()  # a file gone from landing leaves the raw layer too
    assert ingest(tmp_path, "crm_accounts", "r5").files_removed == 1
    assert rows(tmp_path, "crm_accounts") == []


def test_invoice_lines_are_flattened_and_a_bad_line_rejects_its_invoice(tmp_path: Path) -> None:
    line = {
        "id": "il_1",
        "amount": 14700,
        "currency": "usd",
        "period": {"start": 1, "end": 2},
        "proration": False,
        "quantity": 3,
        "price": {"recurring": {"interval": "month", "interval_count": 1}},
    }
    invoice = {
        "id": "in_1",
        "object": "invoice",
        "customer": "cus_1",
        "subscription": "sub_1",
        "status": "paid",
        "currency": "usd",
        "created": 1,
        "due_date": None,
        "amount_due": 14700,
        "amount_paid": 14700,
        "amount_remaining": 0,
        "status_transitions": {"paid_at": 5},
        "lines": {"data": [line, line | {"id": "il_2", "price": {"recurring": None}}]},
    }
    bad = invoice | {"id": "in_2", "lines": {"data": [line | {"amount": "147.00"}]}}
    write_jsonl(tmp_path / "landing", "billing/invoices", "2026-01-01", "i.jsonl", [invoice, bad])

    summary = ingest(tmp_path, "billing_invoices")

    assert (summary.records_loaded, summary.records_rejected) == (1, 1)
    lines = rows(tmp_path, "billing_invoice_lines")
    assert [
        (r["invoice_id"], r["line_index"], r["amount"], r["recurring_interval"]) for r in lines
    ] == [("in_1", 1, 14700, "month"), ("in_1", 2, 14700, None)]
    assert lines[0]["_source_line"] == 1
    [reject] = rejects(tmp_path, "billing_invoices")
    assert reject["reason"] == 'lines.data[].amount: expected an integer, found "147.00"'


def test_deleted_customer_stub_needs_only_its_id(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "landing",
        "billing/customers",
        "2026-01-01",
        "c.jsonl",
        [
            {"id": "cus_1", "object": "customer", "deleted": True},
            {"id": "cus_2", "object": "customer"},  # not deleted: `created` is required
        ],
    )
    summary = ingest(tmp_path, "billing_customers")
    assert (summary.records_loaded, summary.records_rejected) == (1, 1)
    assert rejects(tmp_path, "billing_customers")[0]["reason"] == "missing created"


@pytest.mark.parametrize("entity", sources.ENTITIES, ids=lambda e: e.table)
def test_every_entity_has_an_empty_but_readable_raw_table_before_data(
    tmp_path: Path, entity
) -> None:
    summary = ingest_entity(tmp_path / "landing", tmp_path / "raw", entity, "r1")
    assert summary.files_seen == 0
    schema = pq.read_schema(tmp_path / "raw" / entity.table / "_schema.parquet")
    assert {"_source_file", "_source_line", "_delivery_date", "_ingested_at"} <= set(schema.names)


def test_a_line_that_is_not_utf8_is_rejected_and_blank_lines_are_not_records(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "landing/crm/accounts/2026-01-01"
    folder.mkdir(parents=True)
    good = json.dumps(ACCOUNT).encode()
    (folder / "a.jsonl").write_bytes(good + b"\n\n" + b'{"Id": "\xff"}\n' + good + b"\r\n")
    summary = ingest(tmp_path, "crm_accounts")
    assert (summary.records_loaded, summary.records_rejected) == (2, 1)
    assert [r["_source_line"] for r in rows(tmp_path, "crm_accounts")] == [1, 4]
    [reject] = rejects(tmp_path, "crm_accounts")
    assert reject["source_line"] == 3 and reject["reason"].startswith("not UTF-8")


def test_changes_behind_the_latest_delivery_are_recorded_for_a_full_refresh(
    tmp_path: Path,
) -> None:
    from sources.rewrites import clear_rewrites, rewritten_tables

    landing, raw = tmp_path / "landing", tmp_path / "raw"
    write_jsonl(landing, "crm/accounts", "2026-11-01", "a.jsonl", [ACCOUNT])
    write_jsonl(landing, "crm/accounts", "2026-11-02", "b.jsonl", [ACCOUNT])
    ingest(tmp_path, "crm_accounts")
    assert rewritten_tables(raw) == {}  # new deliveries are what an incremental build reads
    write_jsonl(landing, "crm/accounts", "2026-11-03", "c.jsonl", [ACCOUNT])
    ingest(tmp_path, "crm_accounts")
    assert rewritten_tables(raw) == {}

    # behind the latest delivery: a late file, a changed file and a removed one
    write_jsonl(landing, "crm/accounts", "2026-10-31", "late.jsonl", [ACCOUNT])
    write_jsonl(landing, "crm/accounts", "2026-11-01", "a.jsonl", [ACCOUNT | {"Name": "Acme2"}])
    (landing / "crm/accounts/2026-11-02/b.jsonl").unlink()
    ingest(tmp_path, "crm_accounts")
    seen = rewritten_tables(raw)
    assert seen == {
        "crm_accounts": [
            "crm/accounts/2026-10-31/late.jsonl: new in a delivery before 2026-11-03",
            "crm/accounts/2026-11-01/a.jsonl: changed since it was read",
            "crm/accounts/2026-11-02/b.jsonl: removed from landing",
        ]
    }
    ingest(tmp_path, "crm_accounts")  # nothing new: still owed a full refresh
    assert rewritten_tables(raw) == seen
    clear_rewrites(raw, seen)
    assert rewritten_tables(raw) == {}
