"""A local stand-in for Stripe's REST API (v1), in the object shapes of API version 2024-06-20.

Speaks what the pull uses, as Stripe documents it: `Authorization: Bearer <key>`, list objects
(`object: list`, `data`, `has_more`, `url`) newest first with `limit`, `starting_after` and
`created[gt|gte]`; subscriptions filtered by `status` (without `all`, canceled ones are hidden);
customers listed without the deleted ones, a deleted customer retrieved as its stub; invoices
embedding at most `embedded_lines` lines (`lines.has_more`) with the rest at
`/v1/invoices/{id}/lines`; and the Events API.
"""

from __future__ import annotations

import copy
import re

from tests.fakes.server import FakeApi, Request

TYPES = {
    "customers": "customer",
    "subscriptions": "subscription",
    "invoices": "invoice",
    "prices": "price",
}


class FakeStripe(FakeApi):
    def __init__(self, api_key: str, version: str, page_size: int = 3, embedded_lines: int = 1):
        super().__init__()
        self.api_key = api_key
        self.version = version
        self.page_size = page_size  # the most objects one page returns, whatever `limit` asks
        self.embedded_lines = embedded_lines
        self.objects: dict[str, dict[str, dict]] = {t: {} for t in TYPES.values()}
        self.deleted_customers: set[str] = set()
        self.events: list[dict] = []
        self.versions_seen: set[str] = set()

    # ------------------------------------------------------------------ server-side changes
    def put(self, obj: dict) -> None:
        obj = copy.deepcopy(obj)
        self.objects[obj["object"]][obj["id"]] = obj

    def event(self, event_type: str, obj: dict, created: int) -> None:
        n = len(self.events) + 1
        self.events.append(
            {
                "id": f"evt_{n:06d}",
                "object": "event",
                "api_version": self.version,
                "created": created,
                "type": event_type,
                "data": {"object": copy.deepcopy(obj)},
            }
        )

    def delete_customer(self, customer_id: str, created: int) -> None:
        obj = self.objects["customer"].get(customer_id) or {"id": customer_id, "object": "customer"}
        self.deleted_customers.add(customer_id)
        self.event("customer.deleted", obj, created)

    # ------------------------------------------------------------------ requests
    def answer(self, request: Request):
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            masked = "sk_test_****" + request.headers.get("authorization", "")[-4:]
            return 401, _error("invalid_request_error", f"Invalid API Key provided: {masked}"), {}
        self.versions_seen.add(request.headers.get("stripe-version", ""))
        path, q = request.path, request.query
        if m := re.fullmatch(r"/v1/invoices/([^/]+)/lines", path):
            invoice = self.objects["invoice"].get(m[1])
            if invoice is None:
                return 404, _error("invalid_request_error", f"No such invoice: '{m[1]}'"), {}
            lines = invoice["lines"]["data"]
            return 200, self._page(path, lines, q, newest_first=False), {}
        if path == "/v1/events":
            events = [e for e in self.events if q.get("type") in (None, e["type"])]
            return 200, self._page(path, self._filtered(events, q), q), {}
        if m := re.fullmatch(r"/v1/(customers|subscriptions|invoices|prices)", path):
            object_type = TYPES[m[1]]
            objects = [self._render(o) for o in self.objects[object_type].values()]
            if object_type == "customer":
                objects = [o for o in objects if o["id"] not in self.deleted_customers]
            if object_type == "subscription" and q.get("status") != "all":
                objects = [o for o in objects if o["status"] not in ("canceled",)]
            return 200, self._page(path, self._filtered(objects, q), q), {}
        if m := re.fullmatch(r"/v1/(customers|subscriptions|invoices|prices)/([^/]+)", path):
            object_type, object_id = TYPES[m[1]], m[2]
            if object_type == "customer" and object_id in self.deleted_customers:
                return 200, {"id": object_id, "object": "customer", "deleted": True}, {}
            obj = self.objects[object_type].get(object_id)
            if obj is None:
                return (
                    404,
                    _error("invalid_request_error", f"No such {object_type}: '{object_id}'"),
                    {},
                )
            return 200, self._render(obj), {}
        return 404, _error("invalid_request_error", f"Unrecognized request URL (GET: {path})"), {}

    def error_body(self, status: int) -> dict:
        if status == 429:
            return _error("invalid_request_error", "Too many requests; try again later.")
        return _error("api_error", "An unknown error occurred.")

    def _render(self, obj: dict) -> dict:
        obj = copy.deepcopy(obj)
        if obj["object"] == "invoice":
            lines = obj["lines"]["data"]
            obj["lines"] = {
                "object": "list",
                "data": lines[: self.embedded_lines],
                "has_more": len(lines) > self.embedded_lines,
                "total_count": len(lines),
                "url": f"/v1/invoices/{obj['id']}/lines",
            }
        return obj

    @staticmethod
    def _filtered(objects: list[dict], q: dict) -> list[dict]:
        for op, test in (("gt", int.__gt__), ("gte", int.__ge__), ("lt", int.__lt__)):
            if f"created[{op}]" in q:
                bound = int(q[f"created[{op}]"])
                objects = [o for o in objects if test(o["created"], bound)]
        return objects

    def _page(self, url: str, items: list[dict], q: dict, newest_first: bool = True) -> dict:
        if newest_first:  # Stripe lists newest first; ties in a stable order
            items = sorted(items, key=lambda o: (o["created"], o["id"]), reverse=True)
        if after := q.get("starting_after"):
            ids = [o["id"] for o in items]
            items = items[ids.index(after) + 1 :]
        limit = min(int(q.get("limit", 10)), self.page_size)
        return {"object": "list", "url": url, "data": items[:limit], "has_more": len(items) > limit}


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}
