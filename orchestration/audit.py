"""The audit trail of publication: what each run's gates found, and each publication attempt.

`audit.gate_results` holds one row per suite per run; `audit.publication_log` one row per run
that tried to publish (outcome `published`, `blocked` or `failed`). The scorecard reads both to
say whether the numbers shown are current, and if not, since when and why.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from orchestration.settings import Settings
from orchestration.warehouse import execute

DDL = [
    ("create schema if not exists audit", ()),
    (
        """create table if not exists audit.gate_results (
        run_id varchar, checked_at timestamp, suite varchar, asset varchar, blocking boolean,
        passed boolean, rows_validated bigint, summary varchar, failures_json varchar)""",
        (),
    ),
    (
        """create table if not exists audit.publication_log (
        run_id varchar, attempted_at timestamp, outcome varchar, failed_checks varchar,
        kpi_rows bigint, as_of_date date, message varchar)""",
        (),
    ),
]


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record_gate_results(settings: Settings, run_id: str, rows: Sequence[dict[str, Any]]) -> None:
    at = now_utc()
    execute(
        settings,
        DDL
        + [
            (
                "insert into audit.gate_results values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    at,
                    r["suite"],
                    r["asset"],
                    r["blocking"],
                    r["passed"],
                    r["rows_validated"],
                    r["summary"],
                    json.dumps(r["failures"], default=str),
                ),
            )
            for r in rows
        ],
    )


def record_publication(
    settings: Settings,
    run_id: str,
    outcome: str,
    failed_checks: list[str],
    kpi_rows: int | None,
    as_of: dt.date | None,
    message: str,
) -> None:
    execute(
        settings,
        DDL
        + [
            (
                "insert into audit.publication_log values (?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    now_utc(),
                    outcome,
                    ", ".join(failed_checks) or None,
                    kpi_rows,
                    as_of,
                    message,
                ),
            )
        ],
    )
