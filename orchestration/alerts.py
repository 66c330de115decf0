"""Alerts: a blocked or failed run, and the first good publication after them, announced.

Destinations come from the environment; none configured means nothing is sent:
- `C360_ALERT_WEBHOOK_URL`: a Slack-compatible incoming webhook (JSON body `{"text": ...}`).
- `C360_ALERT_SMTP_HOST` and `C360_ALERT_SMTP_TO` (comma-separated): an email, with
  `C360_ALERT_SMTP_PORT` (25), `C360_ALERT_SMTP_FROM` (c360@localhost), `C360_ALERT_SMTP_USER` /
  `C360_ALERT_SMTP_PASSWORD` (login when set) and `C360_ALERT_SMTP_STARTTLS` (`true` to upgrade).

The text speaks to the CCO first (what is held back, since when, what it affects, where the
scorecard is); the check details an engineer needs come below. A destination that fails is logged
and recorded in `audit.alerts`; it never fails the run.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from orchestration.outcome import RunOutcome
from orchestration.settings import Settings

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Alert:
    subject: str
    text: str


@dataclass(frozen=True)
class Destinations:
    webhook_url: str | None
    smtp_host: str | None
    smtp_port: int
    smtp_from: str
    smtp_to: tuple[str, ...]
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool

    @classmethod
    def from_env(cls) -> Destinations:
        env = os.environ.get
        return cls(
            webhook_url=env("C360_ALERT_WEBHOOK_URL") or None,
            smtp_host=env("C360_ALERT_SMTP_HOST") or None,
            smtp_port=int(env("C360_ALERT_SMTP_PORT") or 25),
            smtp_from=env("C360_ALERT_SMTP_FROM") or "c360@localhost",
            smtp_to=tuple(
                a.strip() for a in (env("C360_ALERT_SMTP_TO") or "").split(",") if a.strip()
            ),
            smtp_user=env("C360_ALERT_SMTP_USER") or None,
            smtp_password=env("C360_ALERT_SMTP_PASSWORD") or None,
            smtp_starttls=(env("C360_ALERT_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
        )

    @property
    def email(self) -> bool:
        return bool(self.smtp_host and self.smtp_to)


def compose(settings: Settings, outcome: RunOutcome, report: Path | None) -> Alert:
    """The alert's words, from the outcome and the scorecard's own view of the data's state."""
    from orchestration.report.data import load

    status = load(settings).status
    last_good = (
        f"The scorecard keeps showing the last validated numbers, published "
        f"{_ts(status.published_at)} (data as of {status.as_of})."
        if status.published_at
        else "No validated KPIs have been published yet, so the scorecard shows none."
    )
    since = f" since {_ts(status.since)}" if status.since else ""
    where = f"Scorecard: {report}" if report else "The scorecard could not be rendered."
    if outcome.status == "published":
        subject = "c360: the customer KPIs are up to date again"
        lines = [
            (
                f"The customer KPIs are up to date again: validated data as of {status.as_of} "
                f"was published {_ts(status.published_at)}, after earlier runs had been held back."
            ),
            where,
        ]
    elif outcome.status == "blocked":
        subject = "c360: newer customer KPIs held back by data-quality checks"
        lines = [
            (
                f"The customer KPIs were NOT updated{since}: the newest data failed "
                f"{len(outcome.failed_checks)} data-quality check(s), so it was held back. "
                "Every KPI on the scorecard stays at its last validated value until a run passes."
            ),
            last_good,
            where,
        ]
    else:
        subject = "c360: the pipeline run failed; customer KPIs not updated"
        lines = [
            (
                f"The customer KPIs were NOT updated{since}: the pipeline run failed before the "
                "data could be checked. Every KPI on the scorecard stays at its last validated "
                "value."
            ),
            last_good,
            where,
        ]
    lines += ["", f"For engineers (run {outcome.run_id}):"]
    for check in outcome.failed_checks:
        observed = json.dumps(check.observed, default=str)
        lines.append(f"- check {check.asset}:{check.check}: {check.summary}")
        lines.append(f"  observed: {observed[:1500]}")
    for step in outcome.failed_steps:
        lines.append(f"- step {step.step} failed: {step.error[:1500]}")
    if outcome.status == "published":
        lines.append("- every blocking check passed")
    return Alert(subject, "\n".join(lines))


def _ts(value) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "?"


def announce(
    settings: Settings,
    outcome: RunOutcome,
    report: Path | None,
    previous: str | None,
    log: Callable[[str], None] = print,
) -> None:
    """Send the alert for a run to every configured destination; record each attempt."""
    from orchestration.audit import record_alert

    destinations = Destinations.from_env()
    senders = []
    if destinations.webhook_url:
        senders.append(("webhook", send_webhook))
    if destinations.email:
        senders.append(("email", send_email))
    if not senders:
        return
    alert = compose(settings, outcome, report)
    for name, send in senders:
        error = None
        try:
            send(alert, destinations)
            log(f"alert sent by {name}: {alert.subject}")
        except Exception as exc:  # noqa: BLE001 - a destination that fails never fails the run
            error = f"{type(exc).__name__}: {exc}"
            log(f"could not send the alert by {name}: {error}")
        try:
            record_alert(settings, outcome.run_id, outcome.status, name, error)
        except Exception as exc:  # noqa: BLE001
            log(f"could not record the alert in audit.alerts: {exc}")


def send_webhook(alert: Alert, destinations: Destinations) -> None:
    body = json.dumps({"text": f"*{alert.subject}*\n{alert.text}"}).encode()
    request = urllib.request.Request(
        destinations.webhook_url,
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()


def send_email(alert: Alert, destinations: Destinations) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = destinations.smtp_from
    message["To"] = ", ".join(destinations.smtp_to)
    message.set_content(alert.text)
    with smtplib.SMTP(
        destinations.smtp_host, destinations.smtp_port, timeout=TIMEOUT_SECONDS
    ) as smtp:
        if destinations.smtp_starttls:
            smtp.starttls()
        if destinations.smtp_user:
            smtp.login(destinations.smtp_user, destinations.smtp_password or "")
        smtp.send_message(message)
