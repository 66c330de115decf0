"""Plausibility gates: well-formed but absurd numbers never reach the CCO.

Each scenario starts from the hand-made fixture, already published once, adds a delivery that is
valid by the contract but absurd (or damaged), runs the real pipeline and checks that it blocks
with exit 2, naming the rule, and leaves the published KPIs untouched. The last scenario shows an
acknowledged movement publishing, with the acknowledgement kept in the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.run import EXIT_PUBLISHED, outcome_of
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
from tests.samples import invoice
from tests.test_gates import assert_blocked_by
from tests.test_hostile_input import ACCOUNT

AUG_1, SEP_1, OCT_1, NOV_1 = 1785542400, 1788220800, 1790812800, 1793491200


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as mp:
        point_settings_at(tmp_path_factory.mktemp("plausibility"), mp, landing_from=SMALL_LANDING)
        mp.setenv("C360_KPI_ACKNOWLEDGEMENTS", str(tmp_path_factory.mktemp("ack") / "none.json"))
        assert outcome_of(run_pipeline()).exit_code == EXIT_PUBLISHED
        yield Settings.from_env()


@pytest.fixture
def landing(published: Settings) -> Iterator[Path]:
    with small_landing_restored(published) as path:
        yield path


def test_fx_rate_in_the_wrong_unit_blocks(published: Settings, landing: Path) -> None:
    # September's GBP rate re-delivered as 1300.0 instead of 1.30: 1000x August's 1.27.
    write_text(
        landing,
        "finance/fx_rates",
        "2026-11-02",
        "fix.csv",
        "month,currency,usd_per_unit\n2026-09,gbp,1300.0\n",
    )
    assert_blocked_by(published, "fx_rates_plausible")


def test_non_finite_fx_rate_is_rejected_and_blocks(published: Settings, landing: Path) -> None:
    # NaN is rejected at ingestion with its reason; the delivery's one record is rejected, so
    # the reject share of finance_fx_rates is 1/1 = 100 % > 5 %.
    write_text(
        landing,
        "finance/fx_rates",
        "2026-11-02",
        "fix.csv",
        "month,currency,usd_per_unit\n2026-10,gbp,NaN\n",
    )
    assert_blocked_by(published, "ingestion_reject_share")
    [(reason,)] = query(
        published, "select reason from raw.rejects where entity = 'finance_fx_rates'"
    )
    assert reason == 'usd_per_unit: expected a finite number, found "NaN"'


def test_absurd_invoice_line_blocks(published: Settings, landing: Path) -> None:
    # An August invoice line of 9,000,000,000 cents ($90M a month) for Acme: above the ceiling.
    absurd = invoice(
        "in_absurd_2608", "cus_acme", 9_000_000_000, AUG_1, SEP_1, "sub_in_absurd_2608"
    )
    write_jsonl(landing, "billing/invoices", "2026-11-02", "absurd.jsonl", [absurd])
    assert_blocked_by(published, "invoice_line_amount_ceiling")


def test_truncated_gzip_blocks_by_reject_share(published: Settings, landing: Path) -> None:
    # 400 new accounts, gzip cut at 90 %: every readable record (about 360) counts as rejected,
    # out of about 360 read in crm_accounts' latest ingestion: far above 5 %.
    accounts = [ACCOUNT | {"Id": f"001{i:012d}AAA", "Name": "x" * 80} for i in range(400)]
    path = write_jsonl(landing, "crm/accounts", "2026-11-02", "accounts.jsonl.gz", accounts)
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.9)])
    assert_blocked_by(published, "ingestion_reject_share")


def test_kpi_movement_blocks_until_acknowledged(
    published: Settings, landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A genuine $5,000/month October deal for Acme: October MRR 1499 -> 1499 + 5000 = 6499,
    # +333 % on September's 1839 ... well beyond +50 %: blocked.
    deal = invoice("in_deal_2610", "cus_acme", 500_000, OCT_1, NOV_1, "sub_in_deal_2610")
    write_jsonl(landing, "billing/invoices", "2026-11-02", "deal.jsonl", [deal])
    assert_blocked_by(published, "kpi_movement_bounds")
    # Someone checks it and acknowledges exactly that value, with a reason: it publishes.
    ack = tmp_path / "kpi_movements.json"
    entry = {
        "month": "2026-10-01",
        "kpi": "mrr_usd",
        "value": 6499.0,
        "reason": "Acme's enterprise deal signed in October",
        "approved_by": "cco-office",
    }
    ack.write_text(json.dumps({"acknowledgements": [entry]}))
    monkeypatch.setenv("C360_KPI_ACKNOWLEDGEMENTS", str(ack))
    outcome = outcome_of(run_pipeline())
    assert outcome.exit_code == EXIT_PUBLISHED, outcome
    [(mrr,)] = query(
        published,
        "select value from published.cco_kpi_monthly where month = '2026-10-01' and kpi = 'mrr_usd'",
    )
    assert mrr == pytest.approx(6499.0)
    [(run_id, reason, approved_by)] = query(
        published, "select run_id, reason, approved_by from audit.kpi_acknowledgements"
    )
    assert (reason, approved_by) == (entry["reason"], "cco-office")
    [(published_run,)] = query(published, "select distinct run_id from published.cco_kpi_monthly")
    assert run_id == published_run
