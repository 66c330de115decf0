"""The hand-made fixture exported as today's systems do gives the hand-computed KPIs.

`tests/fixtures/small_current_exports` holds the `small` fixture's billing deliveries in Stripe's
current invoice shape (price ids only, one paged invoice completed by `billing/invoice_lines`,
prices from subscriptions' items and from `billing/prices`) and its CRM deliveries as Salesforce
REST records and Bulk/Data Loader CSV, in every datetime form. One real pipeline run on it must
publish exactly the KPIs of tests/fixtures/small/expected.py. One extra invoice with a malformed
id is rejected on its own (its revenue would change Acme's MRR) and the run still publishes.
Then deliveries of invoices that cannot be completed block publication through the reject share.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.run import EXIT_PUBLISHED, outcome_of
from orchestration.settings import Settings
from tests.conftest import FIXTURES, SMALL_LANDING, point_settings_at, query, run_pipeline
from tests.conftest import write_jsonl as _write_jsonl

# The hand-computed assertions of test_kpis, run here against this module's warehouse.
from tests.test_gates import assert_blocked_by
from tests.test_kpis import (  # noqa: F401 - collected as tests of this module
    test_customer_mrr,
    test_every_kpi_every_month_as_computed_by_hand,
    test_identity_map,
)

CURRENT = FIXTURES / "small_current_exports" / "landing"
REPLACED = ("billing/invoices", "billing/subscriptions", "crm/accounts", "crm/contacts")

# Acme's $10 add-on, if it were read, would raise Acme's October MRR from 147 to 157.
MALFORMED = {
    "id": "INV-2610-0042",
    "customer": "cus_acme",
    "status": "paid",
    "currency": "usd",
    "created": 1790812800,
    "amount_due": 1000,
    "amount_paid": 1000,
    "amount_remaining": 0,
    "parent": {
        "type": "subscription_details",
        "subscription_details": {"subscription": "sub_acme"},
    },
    "lines": {
        "object": "list",
        "has_more": False,
        "data": [
            {
                "id": "il_acme_addon",
                "amount": 1000,
                "currency": "usd",
                "period": {"start": 1790812800, "end": 1793491200},
                "quantity": 1,
                "parent": {
                    "type": "subscription_item_details",
                    "subscription_item_details": {"proration": False},
                },
                "pricing": {
                    "type": "price_details",
                    "price_details": {"price": "price_usd_4900_1month"},
                },
            }
        ],
    },
}


def current_landing(target: Path) -> Path:
    """The small fixture with its billing and CRM deliveries in today's export shapes."""
    shutil.copytree(SMALL_LANDING, target)
    for entity in REPLACED:
        shutil.rmtree(target / entity)
    shutil.copytree(CURRENT, target, dirs_exist_ok=True)
    _write_jsonl(target, "billing/invoices", "2026-10-15", "part-0003.jsonl", [MALFORMED])
    return target


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    folder = tmp_path_factory.mktemp("current_exports")
    current_landing(folder / "source")
    with pytest.MonkeyPatch.context() as mp:
        point_settings_at(folder, mp, landing_from=folder / "source")
        outcome = outcome_of(run_pipeline())
        assert outcome.exit_code == EXIT_PUBLISHED, outcome
        yield Settings.from_env()


def test_every_entity_read_without_a_reject_but_the_malformed_invoice(warehouse) -> None:
    rejects = query(warehouse, "select entity, reason from raw.rejects where reason is not null")
    assert rejects == [("billing_invoices", 'id: "INV-2610-0042" is not an in_ id')]
    files = dict(
        query(
            warehouse,
            "select entity, sum(records_loaded) from raw.ingested_files group by entity",
        )
    )
    # 50 invoice versions + the malformed one; 1 paged invoice's 3 line items; 2 prices
    assert files["billing_invoices"] == 50
    assert files["billing_invoice_line_items"] == 3
    assert files["billing_prices"] == 2


def test_the_paged_invoice_has_all_its_lines(warehouse) -> None:
    lines = query(
        warehouse,
        """select invoice_line_id, amount_minor, is_recurring, is_proration
        from staging.stg_billing__invoice_lines where invoice_id = 'in_globex_2609'
        order by line_index""",
    )
    assert lines == [
        ("il_globex_2609", 15000, True, False),
        ("il_globex_2609_pro", 2500, True, True),
        ("il_globex_2609_setup", 20000, False, False),
    ]


def test_undeliverable_invoices_block_through_the_reject_share(warehouse) -> None:
    """Two invoices that cannot be completed are 2 of the 2 records of the latest delivery."""
    unknown_price = MALFORMED | {"id": "in_acme_2611"}
    unknown_price["lines"] = {
        "has_more": False,
        "data": [
            MALFORMED["lines"]["data"][0]
            | {"pricing": {"type": "price_details", "price_details": {"price": "price_gone"}}}
        ],
    }
    incomplete = MALFORMED | {"id": "in_acme_2612"}
    incomplete["lines"] = MALFORMED["lines"] | {"has_more": True}
    _write_jsonl(
        warehouse.landing_dir,
        "billing/invoices",
        "2026-11-03",
        "i.jsonl",
        [unknown_price, incomplete],
    )
    assert_blocked_by(warehouse, "ingestion_reject_share")
    reasons = [
        r
        for (r,) in query(
            warehouse,
            "select reason from raw.rejects where source_file like '%2026-11-03%' order by source_line",
        )
    ]
    unknown = (
        'line "il_acme_addon": price "price_gone" has no known recurring interval (in no '
        "subscription's items, not in billing/prices)"
    )
    incomplete = (
        "lines.has_more is true and billing/invoice_lines holds none of the remaining lines of "
        "in_acme_2612: the invoice is incomplete"
    )
    assert reasons == [unknown, incomplete]
    # the gate names the entity, its counts and a reason (quotes JSON-escaped, cut at 160 chars)
    [(message,)] = query(
        warehouse, "select message from audit.publication_log order by attempted_at desc limit 1"
    )
    assert 'billing_invoices: 2 of 2 records rejected, e.g. line \\"il_acme_addon\\"' in message
