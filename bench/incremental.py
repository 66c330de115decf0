"""One more daily delivery on top of a loaded landing: the incremental day.

The latest delivery folder of every entity is copied to the next date (as-of + 1 day), with a
handful of records changed, the way a real next extract looks:
- every entity re-delivers its latest extract (the same records again: latest delivery wins, so
  they change nothing but still have to be read, validated and deduplicated);
- billing/invoices: a few invoices come back with a new status (open -> paid, paid -> void);
- call_center/calls: instead of a re-delivery, a day of new calls: the latest extract's calls
  shifted by one day, with new ids;
- call_center/surveys: likewise, shifted by one day with new ids, pointing at the new calls.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import shutil
from pathlib import Path

ENTITIES = (
    "crm/accounts",
    "crm/contacts",
    "billing/customers",
    "billing/subscriptions",
    "billing/invoices",
    "call_center/calls",
    "call_center/surveys",
    "finance/fx_rates",
)
INVOICES_PAID = 5  # open -> paid
INVOICES_VOIDED = 3  # paid -> void
SUFFIX = "-d1"  # appended to the ids of the shifted calls and surveys


def _deliveries(folder: Path) -> list[Path]:
    out = []
    for d in folder.iterdir():
        try:
            dt.date.fromisoformat(d.name)
        except ValueError:
            continue
        if d.is_dir():
            out.append(d)
    return sorted(out)


def as_of(landing: Path) -> dt.date:
    return max(
        dt.date.fromisoformat(_deliveries(landing / e)[-1].name)
        for e in ENTITIES
        if (landing / e).is_dir() and _deliveries(landing / e)
    )


def _read_text(path: Path) -> str:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return fh.read()


def _write_text(path: Path, text: str) -> None:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _shift(value: str | None, days: int = 1) -> str | None:
    if not value:
        return value
    try:
        return (dt.datetime.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    except ValueError:
        return value  # a broken value stays broken


def _change_invoices(text: str, next_day: dt.date, changes: list[str]) -> str:
    paid_at = int(dt.datetime.combine(next_day, dt.time(6), dt.UTC).timestamp())
    to_pay, to_void = INVOICES_PAID, INVOICES_VOIDED
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not (to_pay or to_void) or not line.strip():
            continue
        try:
            inv = json.loads(line)
        except ValueError:
            continue
        if not isinstance(inv, dict) or not isinstance(inv.get("amount_due"), int):
            continue
        if inv.get("status") == "open" and to_pay:
            inv.update(status="paid", amount_paid=inv["amount_due"], amount_remaining=0)
            if isinstance(inv.get("status_transitions"), dict):
                inv["status_transitions"]["paid_at"] = paid_at
            to_pay -= 1
        elif inv.get("status") == "paid" and to_void:
            inv["status"] = "void"
            to_void -= 1
        else:
            continue
        changes.append(f"invoice {inv['id']} -> {inv['status']}")
        lines[i] = json.dumps(inv, separators=(",", ":"))
    return "\n".join(lines)


def _shift_csv(
    text: str,
    id_column: str,
    time_columns: tuple[str, ...],
    ref_column: str | None = None,
    refs: set[str] | None = None,
) -> tuple[str, set[str], int]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return text, set(), 0
    header = [h.strip() for h in rows[0]]
    idx = {name: header.index(name) for name in header}
    new_ids: set[str] = set()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        if len(row) != len(header):
            writer.writerow(row)  # a broken row stays broken
            continue
        if id_column in idx and row[idx[id_column]]:
            row[idx[id_column]] += SUFFIX
            new_ids.add(row[idx[id_column]])
        for col in time_columns:
            if col in idx:
                row[idx[col]] = _shift(row[idx[col]]) or ""
        if ref_column in idx and refs is not None and row[idx[ref_column]] + SUFFIX in refs:
            row[idx[ref_column]] += SUFFIX
        writer.writerow(row)
    return out.getvalue(), new_ids, len(rows) - 1


def add_next_day(landing: Path) -> dict:
    """Write the next day's delivery into `landing`; return what was delivered and changed."""
    current = as_of(landing)
    next_day = current + dt.timedelta(days=1)
    summary: dict = {
        "as_of_before": current.isoformat(),
        "delivery_date": next_day.isoformat(),
        "entities": {},
        "changes": [],
    }
    new_calls: set[str] = set()
    for entity in ENTITIES:
        folders = _deliveries(landing / entity)
        if not folders:
            continue
        latest, target = folders[-1], landing / entity / next_day.isoformat()
        target.mkdir(parents=True, exist_ok=False)
        records = 0
        for path in sorted(latest.iterdir()):
            out = target / path.name
            data_file = path.name.endswith((".jsonl", ".jsonl.gz", ".csv", ".csv.gz"))
            if not data_file:
                shutil.copyfile(path, out)  # markers (_SUCCESS) come along
                continue
            text = _read_text(path)
            if entity == "billing/invoices":
                text = _change_invoices(text, next_day, summary["changes"])
            if entity == "call_center/calls":
                text, ids, n = _shift_csv(
                    text, "call_id", ("started_at", "answered_at", "ended_at")
                )
                new_calls |= ids
                summary["changes"].append(f"{n} new calls (shifted +1 day) in {path.name}")
            elif entity == "call_center/surveys":
                text, _, n = _shift_csv(text, "survey_id", ("responded_at",), "call_id", new_calls)
                summary["changes"].append(f"{n} new surveys (shifted +1 day) in {path.name}")
            _write_text(out, text)
            records += text.count("\n") - (
                1 if entity.startswith(("call_center", "finance")) else 0
            )
        summary["entities"][entity] = {"from": latest.name, "records": records}
    return summary
