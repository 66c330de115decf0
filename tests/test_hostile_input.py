"""Damaged and hostile landing files: each one ends the way a careful operator would want.

Ingestion-level cases (fast): what is loaded, what is rejected, and how many records each reject
stands for, so that the reject-share gate sees the true size of a damaged delivery.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from pathlib import Path

import sources
from sources.ingest import ingest_entity
from sources.landing import as_of_date, discover
from tests.conftest import write_jsonl, write_text
from tests.samples import ACCOUNT, CALLS_HEADER

CALL = "C-{n},inbound,+14155550100,,support,A1,2026-01-05T10:00:00Z,2026-01-05T10:00:10Z,2026-01-05T10:05:00Z,30,resolved\n"


def ingest(tmp_path: Path, table: str):
    entity = sources.ENTITIES_BY_TABLE[table]
    return ingest_entity(tmp_path / "landing", tmp_path / "raw", entity, "r1")


def rejects(tmp_path: Path, table: str) -> list[dict]:
    import pyarrow.parquet as pq

    folder = tmp_path / "raw" / "_rejects" / table
    return [r for p in sorted(folder.glob("*.parquet")) for r in pq.read_table(p).to_pylist()]


def accounts(n: int) -> list[dict]:
    return [
        ACCOUNT | {"Id": f"001{i:012d}AAA", "Name": f"Account {i} " + "x" * 80} for i in range(n)
    ]


def test_truncated_gzip_counts_every_record_it_still_holds(tmp_path: Path) -> None:
    # 400 accounts compressed, then cut to 90 % of the bytes: roughly 360 records are still
    # readable. They all count as rejected (not 1), so the reject share sees the file's size.
    path = write_jsonl(
        tmp_path / "landing", "crm/accounts", "2026-01-01", "a.jsonl.gz", accounts(400)
    )
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.9)])
    summary = ingest(tmp_path, "crm_accounts")
    assert summary.records_loaded == 0  # the whole file is rejected: it cannot be read whole
    assert 300 <= summary.records_rejected <= 400, summary
    [reject] = rejects(tmp_path, "crm_accounts")
    assert reject["records"] == summary.records_rejected
    assert "cannot read a.jsonl.gz whole" in reject["reason"]


def test_zero_byte_compressed_file_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "landing/crm/accounts/2026-01-01"
    folder.mkdir(parents=True)
    (folder / "empty.jsonl.gz").write_bytes(b"")
    summary = ingest(tmp_path, "crm_accounts")
    assert (summary.files_rejected, summary.records_rejected) == (1, 1)
    [reject] = rejects(tmp_path, "crm_accounts")
    assert "empty (0 bytes)" in reject["reason"]


def test_csv_with_utf8_byte_order_mark_loads(tmp_path: Path) -> None:
    text = CALLS_HEADER + CALL.format(n=1) + CALL.format(n=2)
    folder = tmp_path / "landing/call_center/calls/2026-01-06"
    folder.mkdir(parents=True)
    (folder / "calls.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    summary = ingest(tmp_path, "call_center_calls")
    assert (summary.records_loaded, summary.records_rejected) == (2, 0)


def test_jsonl_with_utf8_byte_order_mark_loads(tmp_path: Path) -> None:
    folder = tmp_path / "landing/crm/accounts/2026-01-01"
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + json.dumps(ACCOUNT).encode() + b"\n")
    summary = ingest(tmp_path, "crm_accounts")
    assert (summary.records_loaded, summary.records_rejected) == (1, 0)


def test_csv_in_another_encoding_is_rejected_whole_naming_the_encoding(tmp_path: Path) -> None:
    # Windows-1252: the queue "Café" is the byte 0xe9 on line 3; lines 2 and 4 are plain ASCII
    # but come from the same export, so the file is rejected whole: 3 records.
    rows = CALL.format(n=1) + CALL.format(n=2).replace("support", "Café") + CALL.format(n=3)
    folder = tmp_path / "landing/call_center/calls/2026-01-06"
    folder.mkdir(parents=True)
    (folder / "calls.csv").write_bytes((CALLS_HEADER + rows).encode("cp1252"))
    summary = ingest(tmp_path, "call_center_calls")
    assert (summary.records_loaded, summary.records_rejected) == (0, 3)
    [reject] = rejects(tmp_path, "call_center_calls")
    assert reject["reason"].startswith("not UTF-8") and "another encoding" in reject["reason"]
    assert "line 3 (byte 0xe9" in reject["reason"]


def test_non_finite_fx_rates_are_rejected_with_reason(tmp_path: Path) -> None:
    write_text(
        tmp_path / "landing",
        "finance/fx_rates",
        "2026-01-01",
        "fx.csv",
        "month,currency,usd_per_unit\n2026-01,eur,1.08\n2026-01,gbp,NaN\n2026-01,jpy,Infinity\n",
    )
    summary = ingest(tmp_path, "finance_fx_rates")
    assert (summary.records_loaded, summary.records_rejected) == (1, 2)
    reasons = sorted(r["reason"] for r in rejects(tmp_path, "finance_fx_rates"))
    assert reasons == [
        'usd_per_unit: expected a finite number, found "Infinity"',
        'usd_per_unit: expected a finite number, found "NaN"',
    ]


def test_links_leading_outside_landing_are_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_jsonl(landing, "crm/accounts", "2026-01-01", "good.jsonl", [ACCOUNT])
    outside = tmp_path / "secret.jsonl"
    outside.write_text(json.dumps(ACCOUNT | {"Id": "001999999999999AAA"}) + "\n")
    os.symlink(outside, landing / "crm/accounts/2026-01-01/passwd.jsonl")
    os.symlink(tmp_path, landing / "crm/accounts/2026-01-02")  # a whole folder out of landing
    # a link that stays inside the landing directory is an ordinary file
    os.symlink(
        landing / "crm/accounts/2026-01-01/good.jsonl",
        landing / "crm/accounts/2026-01-01/same.jsonl",
    )
    summary = ingest(tmp_path, "crm_accounts")
    assert sorted(summary.refused) == [
        "crm/accounts/2026-01-01/passwd.jsonl: a link leading outside the landing directory",
        "crm/accounts/2026-01-02: a link leading outside the landing directory",
    ]
    assert (summary.files_seen, summary.records_loaded, summary.records_rejected) == (2, 2, 0)
    assert rejects(tmp_path, "crm_accounts") == []  # nothing of the outside file was read


def test_future_delivery_folders_are_deferred_until_their_day(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_jsonl(landing, "crm/accounts", "2026-01-01", "a.jsonl", [ACCOUNT])
    write_jsonl(landing, "crm/accounts", "2026-01-09", "a.jsonl", [ACCOUNT])
    entity = sources.ENTITIES_BY_TABLE["crm_accounts"]
    found = discover(landing, entity, today=dt.date(2026, 1, 5))
    assert [f.relpath for f in found.files] == ["crm/accounts/2026-01-01/a.jsonl"]
    assert found.deferred == ["crm/accounts/2026-01-09: dated after today (2026-01-05)"]
    on_its_day = discover(landing, entity, today=dt.date(2026, 1, 9))
    assert len(on_its_day.files) == 2 and on_its_day.deferred == []
    # today (the real one) is long after 2026-01-09: both count for the as-of date
    assert as_of_date(landing, (entity,)) == dt.date(2026, 1, 9)
    future = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=3)).isoformat()
    write_jsonl(landing, "crm/accounts", future, "a.jsonl", [ACCOUNT])
    assert as_of_date(landing, (entity,)) == dt.date(2026, 1, 9)


def test_gzip_member_cut_inside_the_header_is_one_reject(tmp_path: Path) -> None:
    folder = tmp_path / "landing/crm/accounts/2026-01-01"
    folder.mkdir(parents=True)
    (folder / "a.jsonl.gz").write_bytes(gzip.compress(b"x" * 100)[:5])
    summary = ingest(tmp_path, "crm_accounts")
    assert (summary.files_rejected, summary.records_rejected) == (1, 1)
