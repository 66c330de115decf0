"""`c360 pull stripe|salesforce`: fetch a source system's objects through its API and write them as
a new delivery into the landing directory, in the same layout as hand-delivered exports.

Settings (environment):
- Stripe: `C360_STRIPE_API_KEY` (required), `C360_STRIPE_API_BASE` (default https://api.stripe.com).
- Salesforce: `C360_SALESFORCE_INSTANCE_URL` and `C360_SALESFORCE_ACCESS_TOKEN` (both required).

The delivery is dated today (UTC) unless a date is given; it may not be in the future, nor before
the source's last pulled delivery (the latest delivery wins, so dates must not go backwards).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sources.pull.delivery import PullError, PullState, PullWorkspace, pull_file_name

SOURCES = {"stripe": "billing", "salesforce": "crm"}  # source -> landing system folder

__all__ = ["SOURCES", "PullError", "PullResult", "pull", "pull_configured"]


@dataclass(frozen=True)
class PullResult:
    source: str
    full: bool
    delivery_date: str
    counts: dict[str, int]  # records delivered per entity, plus source-specific counters
    cursor: dict  # where the next pull starts
    files: list[str]  # landing-relative paths of the delivered files
    recovered: list[str]  # files of an earlier, killed pull that this pull moved into place


def _require(var: str) -> str:
    value = os.environ.get(var, "").strip()
    if not value:
        raise PullError(f"{var} is not set")
    return value


def pull_configured(source: str) -> bool:
    """Whether the settings a pull of `source` needs are present."""
    needed = {
        "stripe": ["C360_STRIPE_API_KEY"],
        "salesforce": ["C360_SALESFORCE_INSTANCE_URL", "C360_SALESFORCE_ACCESS_TOKEN"],
    }[source]
    return all(os.environ.get(v, "").strip() for v in needed)


def _fetch(source: str, cursor: dict, full: bool, log: Callable[[str], None]):
    if source == "stripe":
        from sources.pull.stripe_api import DEFAULT_API_BASE, connect, pull_stripe

        base = os.environ.get("C360_STRIPE_API_BASE", "").strip() or DEFAULT_API_BASE
        return pull_stripe(connect(_require("C360_STRIPE_API_KEY"), base), cursor, full, log)
    from sources.pull.salesforce_api import connect, pull_salesforce

    sf = connect(_require("C360_SALESFORCE_INSTANCE_URL"), _require("C360_SALESFORCE_ACCESS_TOKEN"))
    return pull_salesforce(sf, cursor, full, log)


def _delivery_date(requested: dt.date | None, state: PullState) -> dt.date:
    today = dt.datetime.now(dt.UTC).date()
    date = requested or today
    if date > today:
        raise PullError(f"delivery date {date} is in the future")
    if state.delivery_date and date < dt.date.fromisoformat(state.delivery_date):
        raise PullError(
            f"delivery date {date} is before the last pulled delivery ({state.delivery_date}): "
            "a later delivery must never be overridden by an earlier-dated one"
        )
    return date


def pull(
    source: str,
    landing_dir: Path,
    full: bool = False,
    delivery_date: dt.date | None = None,
    log: Callable[[str], None] = print,
) -> PullResult:
    """Pull `source` into a new delivery under `landing_dir`; the cursor moves only on success."""
    if source not in SOURCES:
        raise PullError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    system = SOURCES[source]
    workspace = PullWorkspace(landing_dir, source)
    with workspace.locked():
        recovered: list[str] = []
        if workspace.staging.exists():
            recovered = workspace.recover()
            if recovered:
                log(f"{source}: moved a complete earlier delivery into place: {recovered}")
            else:
                log(f"{source}: discarded an incomplete earlier pull (its cursor never moved)")
        state = workspace.load_state()
        date = _delivery_date(delivery_date, state)
        full = full or not state.cursor
        log(f"{source}: {'full' if full else 'incremental'} pull, delivery {date}")
        records, cursor, counts = _fetch(source, state.cursor, full, log)
        # Files are numbered per pull that delivers something; an empty pull only moves the cursor.
        number = state.pulls + 1 if any(records.values()) else state.pulls
        workspace.start()
        for entity, rows in records.items():
            if rows:  # an entity without changes gets no delivery
                workspace.write_records(f"{system}/{entity}", pull_file_name(number), rows)
        new_state = PullState(number, date.isoformat(), cursor)
        files = workspace.commit(date, new_state)
    return PullResult(source, full, date.isoformat(), counts, cursor, files, recovered)
