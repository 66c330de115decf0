"""`c360 pull`: the connectors against local servers that speak Stripe's and Salesforce's APIs.

The fake APIs (tests/fakes) serve the `small` fixture's objects in their current state: page by
page, with injected 429s and 500s, an expired credential, deleted records and invoices whose lines
do not all fit in the embedded page. Counts below come from the fixture (README.md there).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sources.pull import PullError, pull
from sources.pull.delivery import PullWorkspace
from tests.fakes.server import Fault
from tests.fakes.small_fixture import final_versions
from tests.pull_helpers import (
    SALESFORCE_TOKEN,
    SECRETS,
    STRIPE_KEY,
    landing_content,
    start_salesforce,
    start_stripe,
)

DAY = dt.date(2026, 11, 3)
C360 = str(Path(sys.executable).parent / "c360")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("C360_LANDING_DIR", str(tmp_path / "landing"))
    return tmp_path / "landing"


def test_stripe_full_pull_pages_retries_and_completes_invoices(
    request, landing, monkeypatch
) -> None:
    api = start_stripe(monkeypatch, request)  # pages of 3 objects, 1 embedded invoice line
    api.faults += [
        Fault("/v1/customers", 429, nth=2, headers={"Retry-After": "1"}),  # 2nd page
        Fault("/v1/invoices", 500, nth=3),  # 3rd page fails, then succeeds
    ]
    result = pull("stripe", landing, delivery_date=DAY, log=lambda m: None)

    folder = f"{DAY}"
    customers = read_jsonl(landing / "billing/customers" / folder / "pull-000001.jsonl")
    wanted = final_versions("billing/customers", "id")
    live = {k for k, (r, _) in wanted.items() if not r.get("deleted")}
    assert {c["id"] for c in customers if not c.get("deleted")} == live  # 10 live customers
    stubs = [c for c in customers if c.get("deleted")]
    # deleted customers are not listed by Stripe: they come from customer.deleted events
    assert stubs == [
        {"id": "cus_dead", "object": "customer", "deleted": True},
        {"id": "cus_delfull", "object": "customer", "deleted": True},
    ]
    subscriptions = read_jsonl(landing / "billing/subscriptions" / folder / "pull-000001.jsonl")
    assert len(subscriptions) == len(final_versions("billing/subscriptions", "id")) == 13
    assert "canceled" in {s["status"] for s in subscriptions}  # status=all
    invoices = {
        i["id"]: i for i in read_jsonl(landing / "billing/invoices" / folder / "pull-000001.jsonl")
    }
    fixture_invoices = final_versions("billing/invoices", "id")
    assert invoices.keys() == fixture_invoices.keys()
    for invoice_id, (fixture, _) in fixture_invoices.items():
        lines = invoices[invoice_id]["lines"]
        assert [x["id"] for x in lines["data"]] == [x["id"] for x in fixture["lines"]["data"]]
        assert lines["has_more"] is False
    assert [x["id"] for x in invoices["in_globex_2609"]["lines"]["data"]] == [
        "il_globex_2609",
        "il_globex_2609_pro",
        "il_globex_2609_setup",
    ]
    prices = read_jsonl(landing / "billing/prices" / folder / "pull-000001.jsonl")
    assert [p["id"] for p in prices] == ["price_seat_monthly"]

    assert result.counts == {
        "customers": 12,
        "subscriptions": 13,
        "invoices": 46,
        "prices": 1,
        "events": 2,  # the two customer.deleted events
        "changed_objects_refetched": 0,
        "deleted_customers": 2,
        "invoice_lines_fetched_separately": 3,  # Globex Sep: 2, Tyrell Sep (credit line): 1
    }
    # the 429 and the 500 were retried: the same page asked again, the 429 after Retry-After
    asked = [(r.path, r.query.get("starting_after"), r.status) for r in api.requests]
    i429 = next(n for n, a in enumerate(asked) if a[2] == 429)
    assert asked[i429][0] == "/v1/customers" and asked[i429][1] is not None  # 2nd page
    assert asked[i429 + 1] == (asked[i429][0], asked[i429][1], 200)
    assert api.requests[i429 + 1].at - api.requests[i429].at >= 0.9
    i500 = next(n for n, a in enumerate(asked) if a[2] == 500)
    assert asked[i500][0] == "/v1/invoices" and asked[i500][1] is not None  # mid-pagination
    assert asked[i500 + 1] == (asked[i500][0], asked[i500][1], 200)
    assert api.versions_seen == {"2024-06-20"}
    # completion markers, the cursor, and no staging left behind
    for entity in ("customers", "subscriptions", "invoices", "prices"):
        marker = json.loads((landing / "billing" / entity / folder / "_SUCCESS").read_text())
        assert marker == {"complete": ["pull-000001.jsonl"]}
    state = json.loads((landing / ".c360_pull/stripe/state.json").read_text())
    assert state["pulls"] == 1 and state["delivery_date"] == "2026-11-03"
    # the next pull starts after the newest event of any type, not the newest deletion
    newest = max(e["created"] for e in api.events)
    assert state["cursor"]["events"] == {
        "created": newest,
        "ids": sorted(e["id"] for e in api.events if e["created"] == newest),
    }
    assert newest > max(e["created"] for e in api.events if e["type"] == "customer.deleted")
    assert state["cursor"]["created"]["invoice"] == max(i["created"] for i in invoices.values())
    assert not (landing / ".c360_pull/stripe/staging").exists()


def test_stripe_incremental_pull_fetches_only_what_changed(request, landing, monkeypatch) -> None:
    api = start_stripe(monkeypatch, request)
    pull("stripe", landing, delivery_date=DAY, log=lambda m: None)
    # server-side changes after the first pull
    later = 1793000000
    ghost = api.objects["invoice"]["in_ghost_2610"]
    ghost["status"] = "void"
    api.event("invoice.updated", ghost, later)
    api.event("invoice.voided", ghost, later + 1)
    newco = {"id": "cus_newco", "object": "customer", "created": later + 5, "email": None}
    api.put(newco)
    api.event("customer.created", newco, later + 5)
    api.delete_customer("cus_piper", later + 9)
    api.requests.clear()

    result = pull("stripe", landing, delivery_date=DAY, log=lambda m: None)

    assert not result.full
    assert {k: result.counts[k] for k in ("customers", "subscriptions", "invoices", "prices")} == {
        "customers": 2,  # cus_newco (created after the cursor), cus_piper (deleted: a stub)
        "subscriptions": 0,
        "invoices": 1,  # in_ghost_2610, voided
        "prices": 0,
    }
    assert result.counts["events"] == 4
    assert result.counts["changed_objects_refetched"] == 1
    retrieved = [r.path for r in api.requests if r.path.count("/") == 3]
    assert retrieved == ["/v1/invoices/in_ghost_2610"]  # one object fetched again, once
    # lists asked only for objects created after the cursor
    lists = [r for r in api.requests if r.path in ("/v1/customers", "/v1/invoices")]
    assert all("created[gt]" in r.query for r in lists)
    folder = landing / "billing/customers" / str(DAY)
    assert read_jsonl(folder / "pull-000002.jsonl") == [
        {"id": "cus_piper", "object": "customer", "deleted": True},  # a stub has no `created`
        newco,
    ]
    invoices = read_jsonl(landing / "billing/invoices" / str(DAY) / "pull-000002.jsonl")
    assert [(i["id"], i["status"]) for i in invoices] == [("in_ghost_2610", "void")]
    assert not (landing / "billing/subscriptions" / str(DAY) / "pull-000002.jsonl").exists()
    marker = json.loads((folder / "_SUCCESS").read_text())
    assert marker == {"complete": ["pull-000001.jsonl", "pull-000002.jsonl"]}

    # nothing changed since: no delivery, the cursor stays
    api.requests.clear()
    again = pull("stripe", landing, delivery_date=DAY, log=lambda m: None)
    assert again.files == [] and again.cursor == result.cursor


def test_salesforce_pull_pages_deleted_records_and_increments(
    request, landing, tmp_path, monkeypatch
) -> None:
    api = start_salesforce(monkeypatch, request, tmp_path)  # pages of 4 records
    api.faults.append(Fault(r"/services/data/v62\.0/query/01g\w+-8", 500))  # mid-pagination
    result = pull("salesforce", landing, delivery_date=DAY, log=lambda m: None)

    accounts = read_jsonl(landing / "crm/accounts" / str(DAY) / "pull-000001.jsonl")
    contacts = read_jsonl(landing / "crm/contacts" / str(DAY) / "pull-000001.jsonl")
    assert len(accounts) == len(final_versions("crm/accounts", "Id")) == 13
    assert len(contacts) == len(final_versions("crm/contacts", "Id")) == 18
    assert result.counts == {"accounts": 13, "contacts": 18, "deleted_records": 3}
    hooli = next(a for a in accounts if a["Id"] == "001Qx00000Hool0IAB")
    assert hooli["IsDeleted"] is True  # queryAll returns soft-deleted records
    assert hooli["attributes"]["type"] == "Account"  # as the REST API returns them
    ct015 = next(c for c in contacts if c["Id"].startswith("003Qx00000Ct015"))
    assert ct015["IsDeleted"] is True
    statuses = [(r.path, r.status) for r in api.requests]
    failed = statuses.index(next(s for s in statuses if s[1] == 500))
    assert statuses[failed + 1] == (statuses[failed][0], 200)  # the same page, retried
    assert sum(1 for r in api.requests if "/queryAll" in r.path) == 2  # Account, Contact
    assert "WHERE" not in api.requests[0].query["q"]

    # changes on the server: one contact edited, one account deleted
    contact = api.records["Contact"]["003Qx00000Ct001IAB"]
    contact.update(FirstName="Wile E.", SystemModstamp="2026-11-02T08:00:00.000+0000")
    account = api.records["Account"]["001Qx00000Pipr1IAB"]
    account.update(IsDeleted=True, SystemModstamp="2026-11-02T09:30:00.000+0000")
    api.requests.clear()
    result = pull("salesforce", landing, delivery_date=DAY, log=lambda m: None)

    assert result.counts == {"accounts": 1, "contacts": 1, "deleted_records": 1}
    assert "WHERE SystemModstamp >= 2026-08-28T16:00:00Z" in api.requests[0].query["q"]
    changed = read_jsonl(landing / "crm/contacts" / str(DAY) / "pull-000002.jsonl")
    assert [(c["Id"], c["FirstName"]) for c in changed] == [("003Qx00000Ct001IAB", "Wile E.")]
    assert result.cursor["Account"] == {
        "SystemModstamp": "2026-11-02T09:30:00.000+0000",
        "ids": ["001Qx00000Pipr1IAB"],
    }


def test_expired_credentials_say_which_variable_to_fix(
    request, landing, tmp_path, monkeypatch
) -> None:
    start_stripe(monkeypatch, request)
    start_salesforce(monkeypatch, request, tmp_path)
    monkeypatch.setenv("C360_STRIPE_API_KEY", "sk_test_expiredKEYexpiredKEY0001")
    monkeypatch.setenv("C360_SALESFORCE_ACCESS_TOKEN", "00Dexpired!TOKENexpired0002")
    with pytest.raises(PullError) as stripe_error:
        pull("stripe", landing, delivery_date=DAY, log=lambda m: None)
    assert "401" in str(stripe_error.value) and "C360_STRIPE_API_KEY" in str(stripe_error.value)
    with pytest.raises(PullError) as sf_error:
        pull("salesforce", landing, delivery_date=DAY, log=lambda m: None)
    assert "C360_SALESFORCE_ACCESS_TOKEN" in str(sf_error.value)
    for error in (stripe_error.value, sf_error.value):
        assert "expired" not in str(error).replace("expired or invalid", "")
        assert error.__cause__ is None and error.__suppress_context__
    # nothing delivered, no cursor written
    assert not (landing / "billing").exists() and not (landing / "crm").exists()
    assert not list(landing.rglob("state.json"))


def test_delivery_dates_never_go_backwards_or_into_the_future(
    request, landing, monkeypatch
) -> None:
    start_stripe(monkeypatch, request)
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    with pytest.raises(PullError, match="future"):
        pull("stripe", landing, delivery_date=tomorrow, log=lambda m: None)
    pull("stripe", landing, delivery_date=DAY, log=lambda m: None)
    with pytest.raises(PullError, match="before the last pulled delivery"):
        pull("stripe", landing, delivery_date=DAY - dt.timedelta(days=1), log=lambda m: None)


def _run_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [C360, "pull", *args], check=False, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_killed_pull_resumes_to_the_same_landing_content(request, tmp_path, monkeypatch) -> None:
    api = start_stripe(monkeypatch, request)
    env = {**os.environ, "C360_LANDING_DIR": str(tmp_path / "reference")}
    reference = _run_cli("stripe", "--delivery-date", str(DAY), env=env)
    assert reference.returncode == 0, reference.stderr

    # Kill the process (SIGKILL: no clean-up of any kind) while it reads the invoice pages.
    reached, release = threading.Event(), threading.Event()

    def stall_on_invoices_page_3(request) -> None:
        if request.path == "/v1/invoices" and not reached.is_set():
            stall_on_invoices_page_3.n = getattr(stall_on_invoices_page_3, "n", 0) + 1
            if stall_on_invoices_page_3.n == 3:
                reached.set()
                release.wait(60)

    api.before_answer = stall_on_invoices_page_3
    env["C360_LANDING_DIR"] = str(tmp_path / "killed")
    proc = subprocess.Popen(
        [C360, "pull", "stripe", "--delivery-date", str(DAY)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert reached.wait(120), "the pull never reached the invoices"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        release.set()
        api.before_answer = None
    assert not list((tmp_path / "killed").glob("billing/*/*/*.jsonl"))  # nothing half-delivered

    rerun = _run_cli("stripe", "--delivery-date", str(DAY), env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert landing_content(tmp_path / "killed") == landing_content(tmp_path / "reference")


@pytest.mark.parametrize("crash_at", ["writing the staged files", "moving files into place"])
def test_a_pull_that_dies_while_writing_resumes_without_loss_or_duplicates(
    request, crash_at, tmp_path, monkeypatch
) -> None:
    start_stripe(monkeypatch, request)
    pull("stripe", tmp_path / "reference", delivery_date=DAY, log=lambda m: None)

    class Died(Exception):
        pass

    calls = {"n": 0}
    if crash_at == "writing the staged files":
        original = PullWorkspace.write_records

        def dying(self, *args):
            calls["n"] += 1
            if calls["n"] == 3:
                raise Died
            return original(self, *args)

        monkeypatch.setattr(PullWorkspace, "write_records", dying)
    else:
        from sources.pull import delivery

        original = os.replace

        def dying(src, dst):
            if "staging" in str(src) and str(dst).endswith(".jsonl"):
                calls["n"] += 1
                if calls["n"] == 3:
                    raise Died
            return original(src, dst)

        monkeypatch.setattr(delivery.os, "replace", dying)
    with pytest.raises(Died):
        pull("stripe", tmp_path / "crashed", delivery_date=DAY, log=lambda m: None)
    monkeypatch.undo()
    start_stripe(
        monkeypatch, request
    )  # undo() also dropped the settings: a new server, same objects
    result = pull("stripe", tmp_path / "crashed", delivery_date=DAY, log=lambda m: None)
    if crash_at == "moving files into place":
        assert len(result.recovered) == 4  # the complete delivery was finished, not re-fetched
        assert result.files == []
    assert landing_content(tmp_path / "crashed") == landing_content(tmp_path / "reference")


def test_ingestion_ignores_the_pull_workspace_and_markers(request, tmp_path, monkeypatch) -> None:
    from sources import ENTITIES
    from sources.landing import discover

    start_stripe(monkeypatch, request)
    landing = tmp_path / "landing"
    pull("stripe", landing, delivery_date=DAY, log=lambda m: None)
    (landing / ".c360_pull/stripe/staging/billing/customers").mkdir(parents=True)
    (landing / ".c360_pull/stripe/staging/billing/customers/pull-000002.jsonl").write_text("{")
    found = {e.table: discover(landing, e) for e in ENTITIES}
    files = [f.relpath for d in found.values() for f in d.files]
    pulled = ("customers", "invoices", "prices", "subscriptions")
    assert sorted(files) == [f"billing/{e}/{DAY}/pull-000001.jsonl" for e in pulled]
    ignored = sorted(i for d in found.values() for i in d.ignored)
    assert ignored == [f"billing/{e}/{DAY}/_SUCCESS" for e in pulled]


def test_credentials_never_reach_logs_errors_metadata_or_files(
    request, tmp_path, monkeypatch, caplog
) -> None:
    import dagster as dg

    from orchestration.defs.extract import extract_assets
    from orchestration.defs.resources import C360Settings

    start_stripe(monkeypatch, request)
    start_salesforce(monkeypatch, request, tmp_path)
    landing = tmp_path / "landing"
    monkeypatch.setenv("C360_LANDING_DIR", str(landing))
    seen: list[str] = []
    env = {**os.environ, "STRIPE_LOG": "debug"}
    for source in ("stripe", "salesforce"):  # the console, with the SDK's debug logging on
        run = _run_cli(source, "--delivery-date", str(DAY), env=env)
        assert run.returncode == 0, run.stderr
        assert (
            "cursor" in run.stdout and "invoices" in run.stdout + run.stderr or source != "stripe"
        )
        seen += [run.stdout, run.stderr]
    bad = {**env, "C360_STRIPE_API_KEY": STRIPE_KEY[:-4] + "0000"}
    failed = _run_cli("stripe", env=bad)
    assert failed.returncode == 1 and "C360_STRIPE_API_KEY" in failed.stderr
    seen += [failed.stdout, failed.stderr]

    caplog.set_level(logging.DEBUG)  # Dagster's asset path, every logger at debug
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            extract_assets, resources={"settings": C360Settings()}, instance=instance
        )
        assert result.success
        stripe_meta = result.asset_materializations_for_node("extract__stripe")[0].metadata
        assert stripe_meta["mode"].value == "incremental"
        assert stripe_meta["count_invoices"].value == 0
        assert "created" in stripe_meta["cursor"].value
        sf_meta = result.asset_materializations_for_node("extract__salesforce")[0].metadata
        assert sf_meta["count_accounts"].value == 0 and "Account" in sf_meta["cursor"].value
        seen += [str(e) for e in result.all_events]
        stored = [
            str(r)
            for key in (["extract", "stripe"], ["extract", "salesforce"])
            for r in instance.fetch_materializations(dg.AssetKey(key), limit=10).records
        ]
        assert len(stored) == 2 and all("cursor" in r for r in stored)  # metadata is in there
        seen += stored
    seen += [r.getMessage() for r in caplog.records]
    seen += [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    for secret in SECRETS:
        assert not [s for s in seen if secret in s]
    assert STRIPE_KEY[:-4] + "0000" not in "".join(seen)
    assert SALESFORCE_TOKEN not in "".join(seen)


def _pull_and_pipeline_job():
    from orchestration.definitions import defs

    return defs.resolve_job_def("pull_and_pipeline")


def test_extract_assets_run_under_the_multiprocess_executor(request, tmp_path, monkeypatch):
    """Production runs go through the multiprocess executor: each step in its own process."""
    import dagster as dg

    start_stripe(monkeypatch, request)
    start_salesforce(monkeypatch, request, tmp_path)
    landing = tmp_path / "landing"
    monkeypatch.setenv("C360_LANDING_DIR", str(landing))
    date = {"config": {"delivery_date": str(DAY)}}
    (tmp_path / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        result = dg.execute_job(
            dg.reconstructable(_pull_and_pipeline_job),
            instance=instance,
            asset_selection=[
                dg.AssetKey(["extract", "stripe"]),
                dg.AssetKey(["extract", "salesforce"]),
            ],
            run_config={"ops": {"extract__stripe": date, "extract__salesforce": date}},
        )
        assert result.success
        counts = {
            m.asset_key.to_user_string(): m.metadata["files"].value
            for m in (
                e.step_materialization_data.materialization
                for e in result.get_asset_materialization_events()
            )
        }
    assert counts == {
        "extract/stripe": [
            f"billing/{e}/{DAY}/pull-000001.jsonl"
            for e in ("customers", "invoices", "prices", "subscriptions")
        ],
        "extract/salesforce": [
            f"crm/{e}/{DAY}/pull-000001.jsonl" for e in ("accounts", "contacts")
        ],
    }
    assert (landing / "billing/invoices" / str(DAY) / "pull-000001.jsonl").exists()


def test_one_pull_per_source_at_a_time(request, landing, monkeypatch) -> None:
    start_stripe(monkeypatch, request)
    busy = pytest.raises(PullError, match="another pull of this source is running")
    with PullWorkspace(landing, "stripe").locked(), busy:
        pull("stripe", landing, delivery_date=DAY, log=lambda m: None)
    assert pull("stripe", landing, delivery_date=DAY, log=lambda m: None).files


def test_extract_assets_feed_ingestion_and_only_the_pulling_job_runs_them(monkeypatch) -> None:
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.extract import extract_assets
    from orchestration.defs.resources import C360Settings

    graph = defs.resolve_asset_graph()
    stripe_key, salesforce_key = (
        dg.AssetKey(["extract", "stripe"]),
        dg.AssetKey(["extract", "salesforce"]),
    )
    # invoices are also completed from subscriptions, prices and line items, ingested first
    invoice_inputs = {
        dg.AssetKey(["raw", t])
        for t in ("billing_subscriptions", "billing_prices", "billing_invoice_line_items")
    }
    assert (
        graph.get(dg.AssetKey(["raw", "billing_invoices"])).parent_keys
        == {stripe_key} | invoice_inputs
    )
    assert graph.get(dg.AssetKey(["raw", "crm_contacts"])).parent_keys == {salesforce_key}
    assert not graph.get(dg.AssetKey(["raw", "call_center_calls"])).parent_keys
    pipeline = defs.resolve_job_def("c360_pipeline").asset_layer.selected_asset_keys
    pulling = defs.resolve_job_def("pull_and_pipeline").asset_layer.selected_asset_keys
    assert stripe_key not in pipeline and pulling == pipeline | {stripe_key, salesforce_key}
    schedule = defs.resolve_schedule_def("daily_pull_and_pipeline")
    assert schedule.job_name == "pull_and_pipeline"

    # a source without its settings is skipped, visibly
    for var in (
        "C360_STRIPE_API_KEY",
        "C360_SALESFORCE_INSTANCE_URL",
        "C360_SALESFORCE_ACCESS_TOKEN",
    ):
        monkeypatch.delenv(var, raising=False)
    result = dg.materialize(extract_assets, resources={"settings": C360Settings()})
    for node in ("extract__stripe", "extract__salesforce"):
        [m] = result.asset_materializations_for_node(node)
        assert m.metadata["status"].value == "not configured"


def test_a_server_that_keeps_failing_stops_the_pull_cleanly(request, landing, monkeypatch) -> None:
    api = start_stripe(monkeypatch, request)
    pull("stripe", landing, delivery_date=DAY, log=lambda m: None)
    before = landing_content(landing)
    # the first request and all six retries fail (Retry-After: 1 s, instead of the backoff)
    api.faults += [Fault("/v1/events", 503, nth=1, headers={"Retry-After": "1"}) for _ in range(7)]
    with pytest.raises(PullError, match="HTTP 503.*retries are exhausted"):
        pull("stripe", landing, delivery_date=DAY, log=lambda m: None)
    assert sum(1 for r in api.requests if r.status == 503) == 7
    assert landing_content(landing) == before  # nothing delivered, the cursor unchanged
