"""A local stand-in for the Salesforce REST API's `queryAll` resource.

As Salesforce documents it: `GET /services/data/vNN.N/queryAll/?q=<SOQL>` with a bearer token
answers `{"totalSize", "done", "records", "nextRecordsUrl"}`; each record carries an `attributes`
object (`type`, `url`) beside the selected fields; further pages are at `nextRecordsUrl`
(`/services/data/vNN.N/query/<locator>-<offset>`); soft-deleted records (`IsDeleted: true`) are
included; an expired token gets 401 `INVALID_SESSION_ID`. The SOQL understood is what the pull
sends: `SELECT <fields> FROM <object> [WHERE SystemModstamp >= <datetime>] ORDER BY ...`.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import uuid

from tests.fakes.server import FakeApi, Request

SOQL = re.compile(
    r"SELECT (?P<fields>.+?) FROM (?P<object>\w+)"
    r"(?: WHERE SystemModstamp >= (?P<since>\S+))?(?: ORDER BY .+)?$"
)


def instant(stamp: str) -> dt.datetime:
    text = stamp.replace("Z", "+00:00")
    if text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return dt.datetime.fromisoformat(text)


class FakeSalesforce(FakeApi):
    def __init__(self, token: str, version: str, page_size: int = 4):
        super().__init__()
        self.token = token
        self.version = version
        self.page_size = page_size  # Salesforce pages by 2,000; small here to test paging
        self.records: dict[str, dict[str, dict]] = {"Account": {}, "Contact": {}}
        self._cursors: dict[str, list[dict]] = {}

    def put(self, sobject: str, record: dict) -> None:
        record = copy.deepcopy(record)
        record.setdefault("SystemModstamp", record["LastModifiedDate"])
        self.records[sobject][record["Id"]] = record

    def answer(self, request: Request):
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return (
                401,
                [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                {},
            )
        base = f"/services/data/v{self.version}"
        if request.path.rstrip("/") == f"{base}/queryAll":
            m = SOQL.match(request.query["q"])
            if not m:
                return 400, [{"message": "unexpected SOQL", "errorCode": "MALFORMED_QUERY"}], {}
            fields = [f.strip() for f in m["fields"].split(",")]
            rows = list(self.records[m["object"]].values())
            if m["since"]:
                rows = [r for r in rows if instant(r["SystemModstamp"]) >= instant(m["since"])]
            rows.sort(key=lambda r: (instant(r["SystemModstamp"]), r["Id"]))
            out = [
                {
                    "attributes": {
                        "type": m["object"],
                        "url": f"{base}/sobjects/{m['object']}/{r['Id']}",
                    },
                    **{f: r.get(f) for f in fields},
                }
                for r in rows
            ]
            locator = "01g" + uuid.uuid4().hex[:12]
            self._cursors[locator] = out
            return 200, self._page(base, locator, 0), {}
        if m := re.fullmatch(rf"{base}/query/(01g\w+)-(\d+)", request.path):
            return 200, self._page(base, m[1], int(m[2])), {}
        return 404, [{"message": "not found", "errorCode": "NOT_FOUND"}], {}

    def error_body(self, status: int) -> list:
        return [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}]

    def _page(self, base: str, locator: str, offset: int) -> dict:
        rows = self._cursors[locator]
        page = rows[offset : offset + self.page_size]
        done = offset + self.page_size >= len(rows)
        body = {"totalSize": len(rows), "done": done, "records": page}
        if not done:
            body["nextRecordsUrl"] = f"{base}/query/{locator}-{offset + self.page_size}"
        return body
