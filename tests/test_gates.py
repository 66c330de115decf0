"""Write-audit-publish: bad data blocks publication (exit 2, the failed check named) and leaves
the last published KPIs exactly as they were; a later clean run publishes again.

Each scenario starts from the hand-made fixture, already published once, changes the landing
data the way a real delivery goes wrong, runs the real pipeline, and puts the landing data back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.run import EXIT_BLOCKED, EXIT_PUBLISHED, outcome_of
from orchestration.settings import Settings
from tests.conftest import (
    SMALL_LANDING,
    point_settings_at,
    query,
    run_pipeline,
    small_landing_restored,
    write_jsonl,
    write_text,
)

PUBLISHED = "select * from published.cco_kpi_monthly order by month, kpi"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as mp:
        point_settings_at(tmp_path_factory.mktemp("gates"), mp, landing_from=SMALL_LANDING)
        assert outcome_of(run_pipeline()).exit_code == EXIT_PUBLISHED
        yield Settings.from_env()


@pytest.fixture
def landing(published: Settings) -> Iterator[Path]:
    with small_landing_restored(published) as path:
        yield path


def assert_blocked_by(settings: Settings, check: str) -> None:
    before = query(settings, PUBLISHED)
    outcome = outcome_of(run_pipeline())
    assert outcome.exit_code == EXIT_BLOCKED, outcome
    assert check in {c.check for c in outcome.failed_checks}, outcome.failed_checks
    assert query(settings, PUBLISHED) == before  # untouched: same rows, run_id and published_at
    [(outcome_logged, failed_checks)] = query(
        settings,
        """
        select outcome, failed_checks from audit.publication_log
        order by attempted_at desc limit 1""",
    )
    assert outcome_logged == "blocked" and check in failed_checks


def test_missing_fx_rate_blocks(published: Settings, landing: Path) -> None:
    # Globex pays in EUR every month: without the August EUR rate its August line cannot convert.
    for fx_file in (landing / "finance/fx_rates").glob("*/*.csv"):
        fx_file.write_text(
            "\n".join(
                line
                for line in fx_file.read_text().splitlines()
                if not line.startswith("2026-08,eur")
            )
            + "\n"
        )
    assert_blocked_by(published, "fx_rates_complete")


def test_delivery_dropping_a_required_field_blocks(published: Settings, landing: Path) -> None:
    # A new CRM contacts delivery whose export lost LastModifiedDate: every record is rejected.
    contacts = [
        {
            "Id": f"003Qx00000Drop{i}IAB",
            "AccountId": "001Qx00000Acme1IAB",
            "Email": f"drop{i}@acme.example",
            "CreatedDate": "2026-11-02T10:00:00.000+0000",
            "IsDeleted": False,
        }
        for i in range(3)
    ]
    write_jsonl(landing, "crm/contacts", "2026-11-03", "contacts.jsonl", contacts)
    assert_blocked_by(published, "ingestion_reject_share")
    reasons = query(
        published, "select distinct reason from raw.rejects where entity = 'crm_contacts'"
    )
    assert reasons == [("missing LastModifiedDate",)]


def test_rejects_above_threshold_block(published: Settings, landing: Path) -> None:
    # 20 call rows of which 2 are broken: 10 % > 5 % of the records read in that ingestion.
    header = (
        "call_id,direction,caller_number,customer_ref,queue,agent_id,started_at,answered_at,"
        "ended_at,wrap_seconds,disposition\n"
    )
    good = "".join(
        f"X-{i},inbound,,,general,a1,2026-11-03T10:00:00+00:00,2026-11-03T10:00:10+00:00,"
        f"2026-11-03T10:05:00+00:00,,resolved\n"
        for i in range(18)
    )
    bad = "X-98,inbound,,,general\nX-99,inbound,,,general,a1,noon,,2026-11-03T10:05:00+00:00,,resolved\n"
    write_text(landing, "call_center/calls", "2026-11-04", "calls.csv", header + good + bad)
    assert_blocked_by(published, "ingestion_reject_share")


def test_kpi_out_of_range_blocks(published: Settings, landing: Path) -> None:
    # A credit note far larger than Acme's subscription (a keying error in billing) makes Acme's
    # October MRR hugely negative: nrr and grr for October fall below zero.
    credit = {
        "id": "in_credit_typo",
        "object": "invoice",
        "customer": "cus_acme",
        "subscription": None,
        "status": "paid",
        "currency": "usd",
        "created": 1790000000,
        "due_date": None,
        "amount_due": 0,
        "amount_paid": 0,
        "amount_remaining": 0,
        "status_transitions": {"paid_at": 1790000000},
        "lines": {
            "data": [
                {
                    "id": "il_typo",
                    "amount": -10000000,
                    "currency": "usd",
                    "period": {"start": 1790812800, "end": 1793491200},
                    "proration": False,
                    "quantity": 1,
                    "price": {"recurring": {"interval": "month", "interval_count": 1}},
                }
            ]
        },
    }
    write_jsonl(landing, "billing/invoices", "2026-11-01", "credit.jsonl", [credit])
    assert_blocked_by(published, "kpi_values_in_range")


def test_movements_that_do_not_reconcile_block(published: Settings) -> None:
    # Movements reconcile by construction, so a faulty KPI model is simulated: the candidate's
    # new MRR for September is altered after the build, then the audit-and-publish job runs.
    from orchestration.warehouse import duckdb_connection

    with duckdb_connection(published) as con:
        con.execute(
            "update marts.kpi_monthly set value = value + 100 "
            "where kpi = 'new_mrr_usd' and month = '2026-09-01'"
        )
    before = query(published, PUBLISHED)
    outcome = outcome_of(run_pipeline("audit_and_publish"))
    assert outcome.exit_code == EXIT_BLOCKED, outcome
    assert "mrr_movements_reconcile" in {c.check for c in outcome.failed_checks}
    assert query(published, PUBLISHED) == before


def test_clean_run_publishes_again(published: Settings) -> None:
    before = query(published, "select max(published_at) from published.cco_kpi_monthly")
    outcome = outcome_of(run_pipeline())
    assert outcome.exit_code == EXIT_PUBLISHED, outcome
    assert query(published, "select max(published_at) from published.cco_kpi_monthly") > before
    gates = query(
        published,
        """select suite, passed from audit.gate_results
        where blocking and run_id = (select run_id from audit.publication_log order by attempted_at desc limit 1)""",
    )
    assert gates and all(passed for _, passed in gates), gates
