"""Alerts for blocked runs and for the recovery after them, through a local webhook receiver and
a local SMTP server; a destination that fails is recorded and never fails the run.

The runs are real in-process `audit_and_publish` runs on a copy of a published warehouse whose
KPI candidate is made to break a rule (nps above 100), then repaired.
"""

from __future__ import annotations

import socket

import pytest

from orchestration.run import EXIT_BLOCKED, EXIT_PUBLISHED, outcome_of
from orchestration.settings import Settings
from orchestration.warehouse import duckdb_connection
from tests.conftest import query, run_pipeline
from tests.receivers import SmtpReceiver, WebhookReceiver

LAST = "(select max(month) from marts.kpi_monthly)"
BREAK = f"update marts.kpi_monthly set value = 150 where kpi = 'nps' and month = {LAST}"
REPAIR = f"""update marts.kpi_monthly set value = (
    select value from published.cco_kpi_monthly p
    where p.kpi = 'nps' and p.month = {LAST}) where kpi = 'nps' and month = {LAST}"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alerts(settings: Settings) -> list[tuple]:
    return query(
        settings, "select outcome, destination, delivered, error from audit.alerts order by all"
    )


@pytest.fixture
def receivers(monkeypatch: pytest.MonkeyPatch):
    hook, smtp = WebhookReceiver(), SmtpReceiver()
    monkeypatch.setenv("C360_ALERT_WEBHOOK_URL", hook.url)
    monkeypatch.setenv("C360_ALERT_SMTP_HOST", smtp.host)
    monkeypatch.setenv("C360_ALERT_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("C360_ALERT_SMTP_TO", "cco@example.com, data-team@example.com")
    yield hook, smtp
    hook.close()
    smtp.close()


def test_blocked_run_alerts_then_recovery(
    published_copy: Settings, receivers, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook, smtp = receivers
    with duckdb_connection(published_copy) as con:
        con.execute(BREAK)
    assert outcome_of(run_pipeline("audit_and_publish")).exit_code == EXIT_BLOCKED

    [payload] = hook.received
    text = payload["text"]
    # plain words for the CCO first, the engineer's details below
    plain, details = text.split("For engineers")
    assert "NOT updated" in plain and "last validated numbers" in plain
    assert "data as of 2026-11-03" in plain and "Scorecard: " in plain
    # the check that held it back, with what it observed, for engineers only
    assert "kpi_values_in_range" not in plain
    assert "- check marts/kpi_monthly:kpi_values_in_range: " in details
    assert "observed: " in details
    [mail] = smtp.messages
    assert mail["To"] == "cco@example.com, data-team@example.com"
    assert "held back" in mail["Subject"]
    assert "kpi_values_in_range" in smtp.bodies()[0]

    # A second blocked run whose destinations both fail: recorded, and the run still blocked (2).
    monkeypatch.setenv("C360_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{_closed_port()}/hook")
    monkeypatch.setenv("C360_ALERT_SMTP_PORT", str(_closed_port()))
    assert outcome_of(run_pipeline("audit_and_publish")).exit_code == EXIT_BLOCKED
    failed = [a for a in _alerts(published_copy) if not a[2]]
    assert {(o, d) for o, d, _, _ in failed} == {("blocked", "webhook"), ("blocked", "email")}
    assert all("Connection refused" in e or "URLError" in e for *_, e in failed)
    # the baseline's publication and the two blocked runs
    assert query(published_copy, "select count(*) from audit.publication_log")[0][0] == 3

    # Repaired: published again, and the recovery is announced.
    monkeypatch.setenv("C360_ALERT_WEBHOOK_URL", hook.url)
    monkeypatch.setenv("C360_ALERT_SMTP_PORT", str(smtp.port))
    with duckdb_connection(published_copy) as con:
        con.execute(REPAIR)
    assert outcome_of(run_pipeline("audit_and_publish")).exit_code == EXIT_PUBLISHED
    assert len(hook.received) == 2 and "up to date again" in hook.received[1]["text"]
    assert "up to date again" in smtp.messages[-1]["Subject"]
    assert [a[:3] for a in _alerts(published_copy) if a[2]] == [
        ("blocked", "email", True),
        ("blocked", "webhook", True),
        ("published", "email", True),
        ("published", "webhook", True),
    ]


def test_nothing_is_sent_when_no_destination_is_set(published_copy: Settings) -> None:
    with duckdb_connection(published_copy) as con:
        con.execute(BREAK)
    assert outcome_of(run_pipeline("audit_and_publish")).exit_code == EXIT_BLOCKED
    assert _alerts(published_copy) == []
