"""Pulled data publishes the same KPIs as the hand-written deliveries, and follows changes.

The fake Stripe and Salesforce APIs serve the `small` fixture's billing and CRM objects in their
current state; contact-center and FX files are delivered by hand as before. The `pull_and_pipeline`
job pulls both sources through the extract assets, ingests, builds, gates and publishes: the KPIs
must be exactly the hand-computed ones of tests/fixtures/small/expected.py. Then the server
changes, an incremental pull fetches only the changed objects, and the KPIs follow by hand.
"""

from __future__ import annotations

import shutil

import dagster as dg
import pytest

from tests.conftest import SMALL_LANDING, kpi_differences, point_settings_at, query
from tests.fixtures.small import expected as X
from tests.pull_helpers import start_salesforce, start_stripe

DELIVERY = "2026-11-03"  # the fixture's as-of date: the pulled delivery keeps the same months
PULL_CONFIG = {
    "ops": {
        "extract__stripe": {"config": {"delivery_date": DELIVERY}},
        "extract__salesforce": {"config": {"delivery_date": DELIVERY}},
    }
}


def _run_pull_and_pipeline() -> dg.ExecuteInProcessResult:
    from orchestration.definitions import defs

    with dg.DagsterInstance.ephemeral() as instance:
        return defs.resolve_job_def("pull_and_pipeline").execute_in_process(
            instance=instance, raise_on_error=False, run_config=PULL_CONFIG
        )


def _metadata(result: dg.ExecuteInProcessResult, node: str) -> dict:
    [materialization] = result.asset_materializations_for_node(node)
    return {k: v.value for k, v in materialization.metadata.items()}


def _kpis(settings) -> dict:
    rows = query(
        settings,
        "select strftime(month, '%Y-%m-%d'), kpi, value, numerator, denominator "
        "from published.cco_kpi_monthly",
    )
    return {(m, k): (v, n, d) for m, k, v, n, d in rows}


@pytest.fixture(scope="module")
def pulled(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    folder = tmp_path_factory.mktemp("pulled")
    with pytest.MonkeyPatch.context() as mp:
        settings = point_settings_at(folder, mp)
        for system in ("call_center", "finance"):  # delivered as files, as before
            shutil.copytree(SMALL_LANDING / system, settings.landing_dir / system)
        stripe_api = start_stripe(mp, request)
        salesforce_api = start_salesforce(mp, request, folder)
        first = _run_pull_and_pipeline()
        assert first.success, [e.message for e in first.all_events if e.is_failure]
        yield settings, stripe_api, salesforce_api, first


def test_pulled_delivery_publishes_the_hand_computed_kpis(pulled) -> None:
    settings, _, _, result = pulled
    assert not kpi_differences(_kpis(settings), X.EXPECTED_KPIS)
    identity = query(
        settings,
        "select source_system, source_id, customer_id, match_rule from marts.customer_identity_map",
    )
    assert sorted(identity) == sorted(X.EXPECTED_IDENTITY)
    stripe_meta = _metadata(result, "extract__stripe")
    assert stripe_meta["mode"] == "full" and stripe_meta["delivery_date"] == DELIVERY
    assert (stripe_meta["count_customers"], stripe_meta["count_invoices"]) == (12, 46)
    sf_meta = _metadata(result, "extract__salesforce")
    assert (sf_meta["count_accounts"], sf_meta["count_contacts"]) == (13, 18)
    # every pulled record was ingested, none rejected
    rejects = query(settings, "select count(*) from raw.rejects")
    assert rejects == [(0,)]


def test_incremental_pull_fetches_only_the_changes_and_the_kpis_follow(pulled) -> None:
    settings, stripe_api, salesforce_api, _ = pulled
    # Server-side changes: Ghost's October invoice is voided (two events for one invoice); a new
    # customer without invoices signs up; a contact's first name is edited.
    later = 1793000000
    ghost = stripe_api.objects["invoice"]["in_ghost_2610"]
    ghost.update(status="void", amount_paid=0, amount_remaining=0)
    stripe_api.event("invoice.updated", ghost, later)
    stripe_api.event("invoice.voided", ghost, later + 1)
    newco = {"id": "cus_newco", "object": "customer", "created": later + 5, "email": None}
    stripe_api.put(newco)
    stripe_api.event("customer.created", newco, later + 5)
    contact = salesforce_api.records["Contact"]["003Qx00000Ct001IAB"]
    contact.update(FirstName="Wile E.", SystemModstamp="2026-11-02T08:00:00.000+0000")
    stripe_api.requests.clear()

    second = _run_pull_and_pipeline()
    assert second.success

    stripe_meta = _metadata(second, "extract__stripe")
    assert stripe_meta["mode"] == "incremental"
    assert {k: stripe_meta[f"count_{k}"] for k in ("customers", "subscriptions", "invoices")} == {
        "customers": 1,
        "subscriptions": 0,
        "invoices": 1,
    }
    assert stripe_meta["count_changed_objects_refetched"] == 1
    assert [r.path for r in stripe_api.requests if r.path.count("/") == 3] == [
        "/v1/invoices/in_ghost_2610"
    ]
    sf_meta = _metadata(second, "extract__salesforce")
    assert (sf_meta["count_accounts"], sf_meta["count_contacts"]) == (0, 1)

    # October by hand: Ghost (Sep MRR 50, Oct 50) now has no counting line in October -> churn.
    wanted = dict(X.EXPECTED_KPIS)
    wanted.update(
        {
            ("2026-10-01", "active_customers"): (8, None, None),  # 9 - Ghost
            ("2026-10-01", "churned_customers"): (3, None, None),  # Oscorp, Hooli, Ghost
            ("2026-10-01", "logo_churn_rate"): (3 / 11, 3, 11),
            ("2026-10-01", "mrr_usd"): (1449.00, None, None),  # 1499 - 50
            ("2026-10-01", "arr_usd"): (17388.00, None, None),  # 12 x 1449
            ("2026-10-01", "arpa_usd"): (1449 / 8, 1449.00, 8),
            ("2026-10-01", "churned_mrr_usd"): (410.00, None, None),  # 300 + 60 + 50
            ("2026-10-01", "nrr"): (1449 / 1839, 1449.00, 1839.00),
            ("2026-10-01", "grr"): (1429 / 1839, 1429.00, 1839.00),  # min sum 1479 - Ghost 50
        }
    )
    assert not kpi_differences(_kpis(settings), wanted)
    # the new customer is a customer now (billing_only), without revenue
    assert query(
        settings,
        "select match_rule from marts.customer_identity_map where source_id = 'cus_newco'",
    ) == [("billing_only",)]
