"""Serve the `small` fixture's billing and CRM objects from the fake APIs.

An API answers with each object's current state: the version of each record that wins in the
hand-written deliveries (latest delivery, then file name, then line). Deleted Stripe customers are
not listed; they exist as `customer.deleted` events, dated by the delivery that deleted them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.conftest import SMALL_LANDING
from tests.fakes.salesforce_api import FakeSalesforce
from tests.fakes.stripe_api import FakeStripe

# One price object, so that the price list is pulled too (the fixture's lines embed theirs).
SEAT_PRICE = {
    "id": "price_seat_monthly",
    "object": "price",
    "active": True,
    "created": 1767225600,
    "currency": "usd",
    "product": "prod_seat",
    "recurring": {"interval": "month", "interval_count": 1},
    "unit_amount": 4900,
}


def final_versions(entity: str, key: str, landing: Path = SMALL_LANDING) -> dict[str, tuple]:
    """id -> (winning record, its delivery date)."""
    winners: dict[str, tuple] = {}
    for folder in sorted((landing / entity).iterdir()):
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_text().splitlines():
                record = json.loads(line)
                winners[record[key]] = (record, dt.date.fromisoformat(folder.name))
    return winners


def _unix(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def load_stripe(fake: FakeStripe) -> None:
    for cid, (customer, delivered) in final_versions("billing/customers", "id").items():
        if customer.get("deleted"):
            fake.delete_customer(cid, _unix(delivered))
        else:
            fake.put({"object": "customer", **customer})
    for sub, _ in final_versions("billing/subscriptions", "id").values():
        fake.put({"object": "subscription", **sub})
    for invoice, _ in final_versions("billing/invoices", "id").values():
        invoice = {"object": "invoice", **invoice}
        invoice["lines"]["data"] = [{"object": "line_item", **x} for x in invoice["lines"]["data"]]
        fake.put(invoice)
        if paid_at := (invoice.get("status_transitions") or {}).get("paid_at"):
            fake.event("invoice.paid", invoice, paid_at)  # history a full pull does not need
    fake.put(SEAT_PRICE)


def load_salesforce(fake: FakeSalesforce) -> None:
    for record, _ in final_versions("crm/accounts", "Id").values():
        fake.put("Account", record)
    for record, _ in final_versions("crm/contacts", "Id").values():
        fake.put("Contact", record)
