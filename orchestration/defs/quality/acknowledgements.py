"""Acknowledged KPI movements: the reviewed exceptions to the `kpi_movement_bounds` gate.

A month-over-month movement beyond the bounds in `expectations/kpi_movement_bounds.json` blocks
publication until a person has checked it and says so in the acknowledgement file
(`expectations/acknowledgements/kpi_movements.json`, or `C360_KPI_ACKNOWLEDGEMENTS`):

    {"acknowledgements": [
      {"month": "2026-10-01", "kpi": "mrr_usd", "value": 125000.0,
       "reason": "Acme's enterprise upgrade signed on 3 Oct", "approved_by": "j.doe"}]}

An acknowledgement covers exactly the value acknowledged: if the number changes again, the gate
blocks again. Every run copies the acknowledgements it applies into `audit.kpi_acknowledgements`
(kept), and those in force into `audit.kpi_acknowledgements_in_force`, which the gate reads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from orchestration.audit import now_utc
from orchestration.settings import EXPECTATIONS_DIR, Settings
from orchestration.warehouse import execute

DEFAULT_FILE = EXPECTATIONS_DIR / "acknowledgements" / "kpi_movements.json"
IN_FORCE_TABLE = "kpi_acknowledgements_in_force"  # in the schema audit, read by the gate
_COLUMNS = "month date, kpi varchar, value double precision, reason varchar, approved_by varchar"
_HISTORY = f"run_id varchar, recorded_at timestamp, {_COLUMNS}, source_file varchar"
DDL = [
    ("create schema if not exists audit", ()),
    (f"create table if not exists audit.kpi_acknowledgements ({_HISTORY})", ()),
    (f"create table if not exists audit.{IN_FORCE_TABLE} ({_COLUMNS})", ()),
]


class AcknowledgementError(ValueError):
    """The acknowledgement file is not what a reviewer could have approved."""


def acknowledgement_file() -> Path:
    return Path(os.environ.get("C360_KPI_ACKNOWLEDGEMENTS") or DEFAULT_FILE)


def read_acknowledgements(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("acknowledgements", [])
    except (json.JSONDecodeError, AttributeError) as exc:
        raise AcknowledgementError(
            f"{path}: not a JSON object with 'acknowledgements': {exc}"
        ) from exc
    rows = []
    for i, entry in enumerate(entries):
        where = f"{path}: acknowledgement #{i + 1}"
        missing = [k for k in ("month", "kpi", "value", "reason", "approved_by") if k not in entry]
        if missing:
            raise AcknowledgementError(f"{where} lacks {missing}")
        if not str(entry["reason"]).strip() or not str(entry["approved_by"]).strip():
            raise AcknowledgementError(f"{where}: reason and approved_by must not be empty")
        try:
            month = dt.date.fromisoformat(str(entry["month"])[:7] + "-01")
            value = float(entry["value"])
        except (TypeError, ValueError) as exc:
            raise AcknowledgementError(
                f"{where}: month YYYY-MM-DD and a numeric value: {exc}"
            ) from exc
        rows.append(
            {
                "month": month,
                "kpi": str(entry["kpi"]),
                "value": value,
                "reason": str(entry["reason"]).strip(),
                "approved_by": str(entry["approved_by"]).strip(),
            }
        )
    return rows


def record_acknowledgements(settings: Settings, run_id: str) -> int:
    """Put the acknowledgements in force for this run into the warehouse; returns how many."""
    path = acknowledgement_file()
    rows = read_acknowledgements(path)
    at = now_utc()
    fields = ("month", "kpi", "value", "reason", "approved_by")
    execute(
        settings,
        DDL
        + [("delete from audit.kpi_acknowledgements_in_force", ())]
        + [
            (
                "insert into audit.kpi_acknowledgements values (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, at, *(r[f] for f in fields), str(path)),
            )
            for r in rows
        ]
        + [
            (
                "insert into audit.kpi_acknowledgements_in_force values (?, ?, ?, ?, ?)",
                tuple(r[f] for f in fields),
            )
            for r in rows
        ],
    )
    return len(rows)
