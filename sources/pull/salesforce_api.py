"""Pulling `Account` and `Contact` from Salesforce with `simple-salesforce` (REST `queryAll`).

`queryAll` (not `query`) returns soft-deleted records too, so a deletion arrives as the record
with `IsDeleted = true`. Each pull asks for the records whose `SystemModstamp` is at or after the
cursor (SOQL compares whole seconds), follows `nextRecordsUrl` to the last page, and drops the
records the previous pull already delivered at the cursor's instant. Records are written as the
REST API returns them, `attributes` included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlparse

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)

from sources.pull.delivery import PullError
from sources.pull.http import retrying_session

SALESFORCE_API_VERSION = "62.0"

# entity (landing folder under crm/) -> (sObject, fields); SystemModstamp is the cursor field
OBJECTS = {
    "accounts": (
        "Account",
        ", ".join(
            ["Id", "Name", "Type", "Industry", "BillingCountry"]
            + ["CreatedDate", "LastModifiedDate", "IsDeleted", "SystemModstamp"]
        ),
    ),
    "contacts": (
        "Contact",
        ", ".join(
            ["Id", "AccountId", "FirstName", "LastName", "Email", "Phone"]
            + ["CreatedDate", "LastModifiedDate", "IsDeleted", "SystemModstamp"]
        ),
    ),
}


def connect(instance_url: str, access_token: str) -> Salesforce:
    parsed = urlparse(instance_url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise PullError(
            "C360_SALESFORCE_INSTANCE_URL must be the org's https address, "
            "e.g. https://yourcompany.my.salesforce.com"
        )
    return Salesforce(
        instance_url=instance_url,
        session_id=access_token,
        version=SALESFORCE_API_VERSION,
        session=retrying_session(),
    )


def _instant(stamp: str) -> dt.datetime:
    """A Salesforce datetime (`2026-09-01T10:00:00.000+0000`, `…Z`, `…+00:00`) as UTC."""
    text = stamp.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _soql(sobject: str, fields: str, cursor: dict | None) -> str:
    soql = f"SELECT {fields} FROM {sobject}"
    if cursor:
        since = _instant(cursor["SystemModstamp"]).strftime("%Y-%m-%dT%H:%M:%SZ")
        soql += f" WHERE SystemModstamp >= {since}"
    return soql + " ORDER BY SystemModstamp, Id"


def _is_new(record: dict, cursor: dict | None) -> bool:
    if not cursor:
        return True
    stamp, last = _instant(record["SystemModstamp"]), _instant(cursor["SystemModstamp"])
    return stamp > last or (stamp == last and record["Id"] not in cursor.get("ids", []))


def _advance(cursor: dict | None, records: list[dict]) -> dict | None:
    if not records:
        return cursor
    newest = max(records, key=lambda r: _instant(r["SystemModstamp"]))["SystemModstamp"]
    at_newest = {r["Id"] for r in records if _instant(r["SystemModstamp"]) == _instant(newest)}
    if cursor and _instant(cursor["SystemModstamp"]) == _instant(newest):
        at_newest |= set(cursor.get("ids", []))
    return {"SystemModstamp": newest, "ids": sorted(at_newest)}


def pull_salesforce(
    sf: Salesforce, cursor: dict, full: bool, log: Callable[[str], None]
) -> tuple[dict[str, list[dict]], dict, dict[str, int]]:
    """Fetch the accounts and contacts changed since `cursor` (everything when `full`)."""
    cursor = {} if full else cursor
    records: dict[str, list[dict]] = {}
    new_cursor: dict = {}
    try:
        for entity, (sobject, fields) in OBJECTS.items():
            since = cursor.get(sobject)
            rows = [
                dict(r)
                for r in sf.query_all_iter(_soql(sobject, fields, since), include_deleted=True)
                if _is_new(r, since)
            ]
            records[entity] = rows
            new_cursor[sobject] = _advance(since, rows)
            log(f"salesforce: {len(rows)} {sobject} record(s)")
    except SalesforceExpiredSession:
        raise PullError(
            "Salesforce refused the access token (401, expired or invalid): set "
            "C360_SALESFORCE_ACCESS_TOKEN to a fresh token for C360_SALESFORCE_INSTANCE_URL"
        ) from None
    except SalesforceRefusedRequest:
        raise PullError(
            "Salesforce refused the request (403): the user behind "
            "C360_SALESFORCE_ACCESS_TOKEN needs API access and read access to Account and Contact"
        ) from None
    except SalesforceError as exc:
        status = getattr(exc, "status", None)
        raise PullError(
            f"Salesforce pull failed (HTTP {status}, {type(exc).__name__}); retries are "
            "exhausted. Run the pull again: it resumes from the last complete delivery."
        ) from None
    except requests.RequestException as exc:
        raise PullError(
            f"Salesforce could not be reached ({type(exc).__name__}); check "
            "C360_SALESFORCE_INSTANCE_URL and the network, then run the pull again"
        ) from None
    counts = {entity: len(rows) for entity, rows in records.items()}
    counts["deleted_records"] = sum(1 for rows in records.values() for r in rows if r["IsDeleted"])
    return records, new_cursor, counts
