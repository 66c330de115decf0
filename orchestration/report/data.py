"""Everything the scorecard shows, read in one go from the warehouse (read-only).

Only three sources: `published.cco_kpi_monthly` (the validated KPIs), `marts.customer_360` (the
at-risk list) and the `audit` tables (whether the numbers shown are current, and if not why).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from orchestration.failed_checks import FailedCheck, from_json
from orchestration.settings import Settings
from orchestration.warehouse import duckdb_connection, query_frame

KPI_TABLE = "published.cco_kpi_monthly"
CUSTOMER_TABLE = "marts.customer_360"
LOG_TABLE = "audit.publication_log"
GATES_TABLE = "audit.gate_results"
RESTATEMENTS_TABLE = "published.cco_kpi_restatements"


@dataclass(frozen=True)
class CheckFailure:
    name: str
    message: str
    blocking: bool = True


@dataclass(frozen=True)
class Attempt:
    run_id: str
    attempted_at: dt.datetime
    outcome: str  # published | blocked | failed
    as_of: dt.date | None
    message: str
    checks: tuple[CheckFailure, ...] = ()  # what held it back
    # non-blocking checks that failed; None when the log row predates the structured record
    warnings: tuple[CheckFailure, ...] | None = None


@dataclass(frozen=True)
class Status:
    """Whether the numbers shown are the current ones.

    state: `validated` (the latest attempt published), `held_back` (attempts since the last
    publication were blocked by a quality gate), `failed` (attempts since then failed before
    the gates could judge), `never` (nothing published yet).
    """

    state: str
    published_at: dt.datetime | None = None
    run_id: str | None = None
    as_of: dt.date | None = None
    attempts_since: tuple[Attempt, ...] = ()
    warnings: tuple[CheckFailure, ...] = ()  # non-blocking checks that failed in the published run

    @property
    def since(self) -> dt.datetime | None:
        return self.attempts_since[0].attempted_at if self.attempts_since else None

    @property
    def failed_checks(self) -> list[CheckFailure]:
        """Each check that held publication back since, once, with its latest message."""
        latest: dict[str, CheckFailure] = {}
        for attempt in self.attempts_since:
            for check in attempt.checks:
                latest.pop(check.name, None)
                latest[check.name] = check
        return list(latest.values())


@dataclass(frozen=True)
class AtRisk:
    # customer_id, customer_name, current_mrr_usd, health_score, health_reasons; by MRR desc
    customers: pd.DataFrame
    as_of_month: dt.date | None
    active_customers: int
    customer_rows: int | None = None  # rows of the mart (None: not there)
    error: str | None = None  # why the list could not be read


@dataclass
class ReportData:
    generated_at: dt.datetime
    warehouse: str
    kpis: pd.DataFrame  # month (date), kpi, value, numerator, denominator
    status: Status
    at_risk: AtRisk
    tables_read: dict[str, int | None] = field(default_factory=dict)  # table -> rows (None: absent)
    # (month, kpi) -> (first published value, when): cells whose value changed since first shown
    restated: dict[tuple[dt.date, str], tuple[float | None, dt.datetime | None]] = field(
        default_factory=dict
    )

    def restatement(self, kpi: str, month: dt.date | None):
        """(first published value, when) if this cell was restated, else None."""
        return self.restated.get((month, kpi)) if month is not None else None

    @property
    def months(self) -> list[dt.date]:
        return sorted(set(self.kpis["month"])) if len(self.kpis) else []

    @property
    def latest_month(self) -> dt.date | None:
        months = self.months
        return months[-1] if months else None

    @property
    def previous_month(self) -> dt.date | None:
        months = self.months
        return months[-2] if len(months) > 1 else None

    def value(self, kpi: str, month: dt.date | None) -> float | None:
        row = self.row(kpi, month)
        return None if row is None else row["value"]

    def row(self, kpi: str, month: dt.date | None) -> dict | None:
        if month is None or not len(self.kpis):
            return None
        hit = self.kpis[(self.kpis["kpi"] == kpi) & (self.kpis["month"] == month)]
        if not len(hit):
            return None
        return {k: _clean(v) for k, v in hit.iloc[0].to_dict().items()}

    def series(self, kpi: str, months: int = 12) -> list[tuple[dt.date, float | None]]:
        """The KPI over the last `months` published months, oldest first."""
        wanted = self.months[-months:]
        frame = self.kpis[self.kpis["kpi"] == kpi].set_index("month")["value"]
        return [(m, _clean(frame.get(m))) for m in wanted]


def _clean(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NaT:
        return None
    return v


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ----------------------------------------------------------------------------- reading


@contextmanager
def _reader(settings: Settings) -> Iterator[Callable[[str], pd.DataFrame]]:
    """One read-only connection for every query, so all of them see the same state."""
    if settings.target in ("postgres", "spark"):  # Spark: this process's session
        yield lambda sql: query_frame(settings, sql)
        return
    with duckdb_connection(settings, read_only=True) as con:
        yield lambda sql: con.sql(sql).df()


def _existing_tables(settings: Settings, read: Callable[[str], pd.DataFrame]) -> set[str]:
    if settings.target == "spark":  # no information_schema: the session's catalog
        from orchestration.spark import existing_tables

        return existing_tables(settings, ("published", "marts", "audit"))
    frame = read(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('published', 'marts', 'audit')"
    )
    return {f"{s}.{t}" for s, t in zip(frame["table_schema"], frame["table_name"], strict=True)}


def _to_date(v) -> dt.date | None:
    v = _clean(v)
    if v is None:
        return None
    return pd.Timestamp(v).date()


def _to_datetime(v) -> dt.datetime | None:
    v = _clean(v)
    if v is None:
        return None
    ts = pd.Timestamp(v)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.to_pydatetime()


def load(settings: Settings) -> ReportData:
    generated_at = utc_now()
    empty_kpis = pd.DataFrame(columns=["month", "kpi", "value", "numerator", "denominator"])
    empty_customers = pd.DataFrame(
        columns=[
            "customer_id",
            "customer_name",
            "current_mrr_usd",
            "health_score",
            "health_reasons",
        ]
    )
    where = {"postgres": "PostgreSQL", "spark": str(settings.spark_warehouse)}.get(
        settings.target, str(settings.warehouse)
    )
    if settings.target != "postgres" and not Path(where).exists():
        return ReportData(
            generated_at,
            where,
            empty_kpis,
            Status("never"),
            AtRisk(empty_customers, None, 0, error="the warehouse does not exist yet"),
            {KPI_TABLE: None, CUSTOMER_TABLE: None, LOG_TABLE: None, GATES_TABLE: None},
        )

    with _reader(settings) as read:
        tables = _existing_tables(settings, read)
        tables_read: dict[str, int | None] = {}

        if KPI_TABLE in tables:
            published = read(
                f"select month, kpi, value, numerator, denominator, run_id, "
                f"published_at from {KPI_TABLE} order by month, kpi"
            )
        else:
            published = pd.DataFrame(columns=[*empty_kpis.columns, "run_id", "published_at"])
        tables_read[KPI_TABLE] = len(published) if KPI_TABLE in tables else None

        log = _load_log(settings, read) if LOG_TABLE in tables else pd.DataFrame()
        tables_read[LOG_TABLE] = len(log) if LOG_TABLE in tables else None
        gates = (
            read(
                f"select run_id, checked_at, suite, asset, blocking, passed, summary "
                f"from {GATES_TABLE} order by checked_at, suite"
            )
            if GATES_TABLE in tables
            else pd.DataFrame()
        )
        tables_read[GATES_TABLE] = len(gates) if GATES_TABLE in tables else None

        restated = _load_restated(read, tables)
        tables_read[RESTATEMENTS_TABLE] = len(restated) if RESTATEMENTS_TABLE in tables else None
        at_risk = _load_at_risk(read, tables, empty_customers)
        tables_read[CUSTOMER_TABLE] = at_risk.customer_rows

    kpis = published[["month", "kpi", "value", "numerator", "denominator"]].copy()
    kpis["month"] = [_to_date(m) for m in kpis["month"]]
    for col in ("value", "numerator", "denominator"):
        kpis[col] = pd.to_numeric(kpis[col], errors="coerce").astype(float)
    status = derive_status(published, log, gates)
    return ReportData(generated_at, where, kpis, status, at_risk, tables_read, restated)


def _load_log(settings: Settings, read: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """The publication log; a table made before the structured column reads as all null there."""
    if settings.target == "spark":  # no information_schema; its audit tables have every column
        columns = {"failed_checks_json"}
    else:
        columns = set(
            read(
                "select column_name from information_schema.columns "
                "where table_schema = 'audit' and table_name = 'publication_log'"
            )["column_name"]
        )
    structured = (
        "failed_checks_json" if "failed_checks_json" in columns else "null as failed_checks_json"
    )
    return read(
        f"select run_id, attempted_at, outcome, failed_checks, kpi_rows, as_of_date, message, "
        f"{structured} from {LOG_TABLE} order by attempted_at, run_id"
    )


def _load_restated(read: Callable[[str], pd.DataFrame], tables: set[str]) -> dict:
    if RESTATEMENTS_TABLE not in tables:
        return {}
    try:
        frame = read(
            f"select month, kpi, first_value, first_published_at from {RESTATEMENTS_TABLE}"
        )
    except Exception:  # noqa: BLE001 - the marks are extra information; the numbers still show
        return {}
    return {
        (_to_date(r.month), str(r.kpi)): (_clean(r.first_value), _to_datetime(r.first_published_at))
        for r in frame.itertuples()
    }


def _load_at_risk(
    read: Callable[[str], pd.DataFrame], tables: set[str], empty: pd.DataFrame
) -> AtRisk:
    if CUSTOMER_TABLE not in tables:
        return AtRisk(empty, None, 0, error=f"{CUSTOMER_TABLE} does not exist yet")
    try:
        customers = read(f"""
            select customer_id, customer_name, current_mrr_usd, health_score, health_reasons
            from {CUSTOMER_TABLE}
            where is_at_risk
            order by current_mrr_usd desc, health_score, customer_id""")
        summary = read(f"""
            select max(as_of_month) as as_of_month, count(*) as customer_rows,
                   sum(case when is_active then 1 else 0 end) as active_customers
            from {CUSTOMER_TABLE}""")
    # a mart that changed shape must not take the whole report down
    except Exception as exc:  # noqa: BLE001
        return AtRisk(empty, None, 0, error=f"could not read {CUSTOMER_TABLE}: {exc}")
    customers["current_mrr_usd"] = pd.to_numeric(customers["current_mrr_usd"]).astype(float)
    active = _clean(summary["active_customers"].iloc[0]) if len(summary) else None
    return AtRisk(
        customers.reset_index(drop=True),
        _to_date(summary["as_of_month"].iloc[0]),
        int(active or 0),
        int(summary["customer_rows"].iloc[0]),
    )


# ----------------------------------------------------------------------------- status


def _failures(gates: pd.DataFrame, run_id: str, blocking: bool) -> list[CheckFailure]:
    if not len(gates):
        return []
    rows = gates[
        (gates["run_id"] == run_id)
        & (~gates["passed"].astype(bool))
        & (gates["blocking"].astype(bool) == blocking)
    ]
    return [
        CheckFailure(r.suite, _strip_summary(r.suite, r.summary), blocking)
        for r in rows.itertuples()
    ]


def _strip_summary(name: str, summary: str | None) -> str:
    """`kpi_values_in_range: FAILED expect_… observed 3` → `expect_… observed 3`."""
    text = (summary or "").strip()
    for prefix in (f"{name}: FAILED", f"{name}:"):
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _shown(check: FailedCheck) -> CheckFailure:
    name = f"step {check.check}" if check.kind == "step" else check.check
    return CheckFailure(name, _strip_summary(check.check, check.summary), check.blocking)


def _attempt(row, gates: pd.DataFrame) -> Attempt:
    run_id = str(row.run_id)
    message = _clean(row.message) or ""
    recorded = from_json(row.failed_checks_json)
    warnings = None
    if recorded is not None:
        checks = [_shown(c) for c in recorded if c.blocking]
        warnings = tuple(_shown(c) for c in recorded if not c.blocking)
    else:  # recorded before the structured column: the run's gate rows, or the names as logged
        checks = _failures(gates, run_id, blocking=True)
        if not checks and _clean(row.failed_checks):
            names = str(row.failed_checks)  # as logged: `asset:check, …`; the message says why
            checks = [CheckFailure(names, message.removeprefix(f"{names} — "))]
    if not checks and row.outcome != "published":
        checks = [
            CheckFailure(
                "pipeline run failed" if row.outcome == "failed" else "blocked",
                message or "no message recorded",
            )
        ]
    return Attempt(
        run_id,
        _to_datetime(row.attempted_at),
        str(row.outcome),
        _to_date(row.as_of_date),
        message,
        tuple(checks),
        warnings,
    )


def derive_status(published: pd.DataFrame, log: pd.DataFrame, gates: pd.DataFrame) -> Status:
    """Compare the publication log with what is actually in the published table."""
    attempts = [_attempt(r, gates) for r in log.itertuples()] if len(log) else []
    if not len(published):
        return Status(
            "never", attempts_since=tuple(a for a in attempts if a.outcome != "published")
        )

    latest = published.sort_values("published_at").iloc[-1]
    run_id, published_at = str(latest["run_id"]), _to_datetime(latest["published_at"])
    # the publication's own log row anchors "since"; without one, its published_at does
    own = [a for a in attempts if a.run_id == run_id and a.outcome == "published"]
    anchor = own[-1].attempted_at if own else published_at
    as_of = own[-1].as_of if own and own[-1].as_of else _month_end(published["month"].max())
    since = tuple(
        a
        for a in attempts
        if a.outcome != "published"
        and a.run_id != run_id
        and anchor is not None
        and a.attempted_at > anchor
    )
    recorded = own[-1].warnings if own else None
    warnings = recorded if recorded is not None else tuple(_failures(gates, run_id, blocking=False))
    if not since:
        return Status("validated", published_at, run_id, as_of, (), warnings)
    state = "held_back" if any(a.outcome == "blocked" for a in since) else "failed"
    return Status(state, published_at, run_id, as_of, since, warnings)


def _month_end(month) -> dt.date | None:
    first = _to_date(month)
    if first is None:
        return None
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)
