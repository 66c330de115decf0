"""The audit trail of publication: what each run's gates found, and each publication attempt.

`audit.gate_results` holds one row per check per run (quality suites and dbt tests);
`audit.publication_log` one row per run that tried to publish (outcome `published`, `blocked` or
`failed`), written once the run has finished, with what held it back as structured JSON
(orchestration/failed_checks.py); `audit.alerts` one row per alert sent. The scorecard reads both
to say whether the numbers shown are current, and if not, since when and why.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from orchestration.failed_checks import FailedCheck, blocking_names, to_json
from orchestration.settings import Settings
from orchestration.warehouse import execute, query_frame

LOG_COLUMNS = (
    "run_id, attempted_at, outcome, failed_checks, kpi_rows, as_of_date, message, "
    "failed_checks_json"
)

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
        kpi_rows bigint, as_of_date date, message varchar, failed_checks_json json)""",
        (),
    ),
    # a log table made before the structured column: add it (its old rows keep null there)
    (
        "alter table audit.publication_log add column if not exists failed_checks_json json",
        (),
    ),
    (
        """create table if not exists audit.alerts (
        run_id varchar, sent_at timestamp, outcome varchar, destination varchar,
        delivered boolean, error varchar)""",
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
    failed: Sequence[FailedCheck] | None,
    kpi_rows: int | None,
    as_of: dt.date | None,
    message: str,
) -> None:
    """One row of the log; `failed` None when what the run found is not known (a recovery)."""
    insert = (
        f"insert into audit.publication_log ({LOG_COLUMNS}) "
        "values (?, ?, ?, ?, ?, ?, ?, cast(? as json))"
    )
    execute(
        settings,
        DDL
        + [
            (
                insert,
                (
                    run_id,
                    now_utc(),
                    outcome,
                    None if failed is None else blocking_names(failed),
                    kpi_rows,
                    as_of,
                    message,
                    None if failed is None else to_json(failed),
                ),
            )
        ],
    )


def record_dbt_tests(settings: Settings, run_id: str, findings: Sequence[Any]) -> None:
    """dbt tests' results, as rows beside the quality suites' (the scorecard reads both)."""
    record_gate_results(
        settings,
        run_id,
        [
            {
                "suite": f.check,
                "asset": f.asset,
                "blocking": f.blocking,
                "passed": f.passed,
                "rows_validated": None,
                "summary": f.summary,
                "failures": [] if f.passed else [f.observed],
            }
            for f in findings
        ],
    )


def already_recorded(settings: Settings, run_id: str) -> bool:
    execute(settings, DDL)
    frame = query_frame(
        settings, "select count(*) as n from audit.publication_log where run_id = " + _quote(run_id)
    )
    return bool(frame["n"][0])


def last_outcome(settings: Settings) -> str | None:
    """The outcome of the latest recorded run, or None when no run was ever recorded."""
    frame = query_frame(
        settings,
        "select outcome from audit.publication_log order by attempted_at desc limit 1",
    )
    return str(frame["outcome"][0]) if len(frame) else None


def record_alert(
    settings: Settings, run_id: str, outcome: str, destination: str, error: str | None
) -> None:
    execute(
        settings,
        DDL
        + [
            (
                "insert into audit.alerts values (?, ?, ?, ?, ?, ?)",
                (run_id, now_utc(), outcome, destination, error is None, error),
            )
        ],
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
