"""Pulling billing objects from Stripe with its official SDK (`stripe`).

What is pulled, into `billing/<entity>/<date>/`: customers (live ones from the list endpoint,
deleted ones as the stub `{"id", "object": "customer", "deleted": true}`), subscriptions of every
status, invoices with *all* their lines, and prices.

- The first pull (or `--full`) lists every object. Deleted customers are not listed by Stripe; the
  pull finds them in the `customer.deleted` events, which Stripe keeps for 30 days.
- Later pulls list only objects created after the cursor, plus every object named by an event
  after the events cursor (changes, deletions), fetched again in its current state.
- An invoice embeds at most one page of lines (`lines.has_more`); the remaining lines are fetched
  from the invoice-lines endpoint, so every delivered invoice is complete.

Objects are requested in API version `STRIPE_API_VERSION`, whatever the account's default is.
"""

from __future__ import annotations

from collections.abc import Callable

import stripe

from sources.pull.delivery import PullError
from sources.pull.http import TIMEOUT_SECONDS, retrying_session

# The object shapes ingestion reads: before 2025-03-31 an invoice has a top-level `subscription`
# and a line its `price` and `proration`. Move to a newer version only once ingestion reads the
# newer invoice shape too.
STRIPE_API_VERSION = "2024-06-20"
DEFAULT_API_BASE = "https://api.stripe.com"
PAGE_SIZE = 100  # the largest page Stripe's list endpoints return

# entity (landing folder under billing/) -> the Stripe object type that feeds it
ENTITIES = {
    "customers": "customer",
    "subscriptions": "subscription",
    "invoices": "invoice",
    "prices": "price",
}


def connect(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": api_base.rstrip("/")},
        max_network_retries=0,  # retries (429 and 5xx, Retry-After) are the session's
        http_client=stripe.RequestsClient(session=retrying_session(), timeout=TIMEOUT_SECONDS),
    )


def _plain(obj: stripe.StripeObject) -> dict:
    return obj.to_dict(recursive=True, for_json=True)


def _services(client: stripe.StripeClient) -> dict:
    v1 = client.v1
    return {
        "customer": v1.customers,
        "subscription": v1.subscriptions,
        "invoice": v1.invoices,
        "price": v1.prices,
    }


def _list_params(object_type: str, created_after: int | None) -> dict:
    params: dict = {"limit": PAGE_SIZE}
    if object_type == "subscription":
        params["status"] = "all"  # canceled and ended subscriptions too
    if created_after is not None:
        params["created"] = {"gt": created_after}
    return params


def _events_after(
    client: stripe.StripeClient, cursor: dict | None, event_type: str | None = None
) -> list[dict]:
    """Events after the cursor (every retained one without a cursor), newest first."""
    params: dict = {"limit": PAGE_SIZE}
    if cursor:
        params["created"] = {"gte": cursor["created"]}
    if event_type:
        params["type"] = event_type
    seen = set(cursor.get("ids", [])) if cursor else set()
    return [
        _plain(event)
        for event in client.v1.events.list(params).auto_paging_iter()
        if event.id not in seen
    ]


def _newest_events(client: stripe.StripeClient) -> list[dict]:
    """The events of the newest second (the cursor skips exactly these next time)."""
    newest = client.v1.events.list({"limit": 1}).data
    if not newest:
        return []
    return _events_after(client, {"created": newest[0].created})


def _events_cursor(events: list[dict], previous: dict | None) -> dict | None:
    """The newest event second, and the ids seen in it (Stripe's `created` is in seconds)."""
    if not events:
        return previous
    newest = max(e["created"] for e in events)
    ids = [e["id"] for e in events if e["created"] == newest]
    if previous and previous["created"] == newest:
        ids = sorted(set(ids) | set(previous.get("ids", [])))
    return {"created": newest, "ids": sorted(ids)}


def _complete_lines(client: stripe.StripeClient, invoice: dict) -> int:
    """Fetch the lines an invoice did not embed; returns how many were fetched."""
    lines = invoice.get("lines") or {}
    if not lines.get("has_more"):
        return 0
    data = list(lines.get("data") or [])
    params: dict = {"limit": PAGE_SIZE}
    if data:
        params["starting_after"] = data[-1]["id"]
    more = [
        _plain(line)
        for line in client.v1.invoices.line_items.list(invoice["id"], params).auto_paging_iter()
    ]
    lines["data"] = data + more
    lines["has_more"] = False
    invoice["lines"] = lines
    return len(more)


def pull_stripe(
    client: stripe.StripeClient, cursor: dict, full: bool, log: Callable[[str], None]
) -> tuple[dict[str, list[dict]], dict, dict[str, int]]:
    """Fetch what changed since `cursor` (everything when `full`).

    Returns the records per entity, the new cursor and counts for the report."""
    try:
        return _pull(client, {} if full else cursor, log)
    except stripe.AuthenticationError:
        raise PullError(
            "Stripe refused the API key (401): set C360_STRIPE_API_KEY to a valid secret or "
            "restricted key with read access to customers, subscriptions, invoices, prices "
            "and events"
        ) from None
    except stripe.PermissionError:
        raise PullError(
            "Stripe refused access (403): the key in C360_STRIPE_API_KEY lacks read access to "
            "customers, subscriptions, invoices, prices or events"
        ) from None
    except stripe.StripeError as exc:
        status = getattr(exc, "http_status", None)
        raise PullError(
            f"Stripe pull failed (HTTP {status}, {type(exc).__name__}); retries are exhausted. "
            "Run the pull again: it resumes from the last complete delivery."
        ) from None


def _pull(client: stripe.StripeClient, cursor: dict, log: Callable[[str], None]):
    services = _services(client)
    incremental = bool(cursor)
    created_cursor: dict = dict(cursor.get("created", {}))
    by_type: dict[str, dict[str, dict]] = {t: {} for t in ENTITIES.values()}

    # Read the events first: anything that happens while the lists are read is after the new
    # events cursor and is fetched again by the next pull. A full pull needs only the deletions
    # (the lists hold everything else) and the newest event, where the next pull starts.
    if incremental:
        events = _events_after(client, cursor.get("events"))
        newest = events
    else:
        events = _events_after(client, None, "customer.deleted")
        newest = _newest_events(client)
    log(f"stripe: {len(events)} event(s) read")

    for entity, object_type in ENTITIES.items():
        after = created_cursor.get(object_type) if incremental else None
        listed = services[object_type].list(_list_params(object_type, after))
        for obj in listed.auto_paging_iter():
            by_type[object_type][obj.id] = _plain(obj)
        log(f"stripe: listed {len(by_type[object_type])} {entity}")

    changed: dict[str, set[str]] = {t: set() for t in ENTITIES.values()}
    for event in events:
        obj = (event.get("data") or {}).get("object") or {}
        object_type, object_id = obj.get("object"), obj.get("id")
        if object_type not in changed or not object_id:
            continue
        if event.get("type") == "customer.deleted":
            # Stripe answers a deleted customer with this stub; it needs no request.
            if object_id not in by_type["customer"]:
                by_type["customer"][object_id] = {
                    "id": object_id,
                    "object": "customer",
                    "deleted": True,
                }
            continue
        if incremental and object_id not in by_type[object_type]:
            changed[object_type].add(object_id)

    refetched = 0
    for object_type, ids in changed.items():
        for object_id in sorted(ids):
            try:
                obj = services[object_type].retrieve(object_id)
            except stripe.InvalidRequestError as exc:
                if getattr(exc, "http_status", None) == 404:  # e.g. a deleted draft invoice
                    continue
                raise
            by_type[object_type][object_id] = _plain(obj)
            refetched += 1

    extra_lines = sum(_complete_lines(client, inv) for inv in by_type["invoice"].values())

    records = {
        entity: sorted(
            by_type[object_type].values(), key=lambda r: (r.get("created") or 0, r["id"])
        )
        for entity, object_type in ENTITIES.items()
    }
    for object_type, objects in by_type.items():
        stamps = [o["created"] for o in objects.values() if o.get("created") is not None]
        if stamps:
            created_cursor[object_type] = max(stamps + [created_cursor.get(object_type, 0)])
    new_cursor = {
        "created": created_cursor,
        "events": _events_cursor(newest, cursor.get("events")),
    }
    counts = {entity: len(records[entity]) for entity in ENTITIES}
    counts.update(
        {
            "events": len(events),
            "changed_objects_refetched": refetched,
            "deleted_customers": sum(1 for c in records["customers"] if c.get("deleted")),
            "invoice_lines_fetched_separately": extra_lines,
        }
    )
    return records, new_cursor, counts
