"""Publication only through the gated step, its history and restatements, `c360 kpis`, and the
raw layer of each warehouse. Every test works on a copy of a warehouse where the small fixture
was published once (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.run import EXIT_PUBLISHED, outcome_of
from orchestration.settings import DBT_PROJECT_DIR, Settings
from tests.conftest import (
    SMALL_LANDING,
    point_settings_at,
    published_state,
    query,
    run_pipeline,
    write_jsonl,
)


def _dbt(settings: Settings, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """dbt run by hand in dbt_project/, as an engineer would (its own target folder)."""
    env = {**os.environ, "C360_RAW_DIR": str(settings.raw_dir)}
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--target-path", str(tmp_path / "t")],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hand_run_dbt_leaves_published_untouched(published_copy: Settings, tmp_path: Path):
    before = published_state(published_copy)
    as_of = "select as_of_source, as_of_date from intermediate.int_calendar__as_of_date"
    [(source, run_as_of)] = query(published_copy, as_of)
    assert source == "var"  # the pipeline told dbt its as-of date
    built = _dbt(published_copy, tmp_path, "build")
    assert built.returncode == 0, built.stdout[-3000:]
    # by hand C360_AS_OF_DATE is not set: the latest staged delivery, the same date here
    assert query(published_copy, as_of) == [("latest_delivery", run_as_of)]
    assert "published" not in re.findall(r"model (\w+)\.", built.stdout)
    assert published_state(published_copy) == before

    # No dbt node writes the published schema: asking for it by name selects nothing.
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    writers = [n for n in manifest["nodes"].values() if n.get("schema") == "published"]
    assert writers == []
    direct = _dbt(published_copy, tmp_path, "run", "--select", "cco_kpi_monthly")
    assert direct.returncode == 0 and "Nothing to do" in direct.stdout, direct.stdout[-3000:]
    assert published_state(published_copy) == before


# Acme's September invoice is re-delivered with 4 seats instead of 3 ($196 instead of $147).
# By hand, from tests/fixtures/small/expected.py:
#   Sep mrr_usd 1839 -> 1888 (+49), arr_usd 12 x: 22068 -> 22656, arpa_usd /11: 1839/11 -> 1888/11,
#   Sep expansion_mrr_usd 64 -> 113 (Acme 196 - 147 = 49 more), Sep nrr 1710/1666 -> 1759/1666;
#   Sep grr unchanged (Acme's min(196, Aug 147) is still 147);
#   Oct mrr_usd unchanged (Acme 147), Oct contraction_mrr_usd 0 -> 49 (196 -> 147),
#   Oct nrr 1499/1839 -> 1499/1888, Oct grr 1479/1839 -> 1479/1888 (Acme's min is 147 either way).
RESTATED = {
    ("2026-09-01", "mrr_usd"): (1839.0, 1888.0),
    ("2026-09-01", "arr_usd"): (22068.0, 22656.0),
    ("2026-09-01", "arpa_usd"): (1839 / 11, 1888 / 11),
    ("2026-09-01", "expansion_mrr_usd"): (64.0, 113.0),
    ("2026-09-01", "nrr"): (1710 / 1666, 1759 / 1666),
    ("2026-10-01", "contraction_mrr_usd"): (0.0, 49.0),
    ("2026-10-01", "nrr"): (1499 / 1839, 1499 / 1888),
    ("2026-10-01", "grr"): (1479 / 1839, 1479 / 1888),
}


def test_restated_invoice_is_recorded_and_marked(published_copy: Settings) -> None:
    [(first_run,)] = query(published_copy, "select distinct run_id from published.cco_kpi_monthly")
    original = next(
        json.loads(line)
        for line in (SMALL_LANDING / "billing/invoices/2026-09-01/invoices.jsonl").open()
        if '"in_acme_2609"' in line
    )
    corrected = json.loads(json.dumps(original))
    corrected["amount_due"] = corrected["amount_paid"] = 19600
    corrected["lines"]["data"][0].update(amount=19600, quantity=4)
    write_jsonl(
        published_copy.landing_dir, "billing/invoices", "2026-11-02", "invoices.jsonl", [corrected]
    )

    outcome = outcome_of(run_pipeline())
    assert outcome.exit_code == EXIT_PUBLISHED, outcome

    history = query(
        published_copy,
        "select run_id, count(*) from published.cco_kpi_monthly_history group by run_id "
        "order by min(published_at)",
    )
    assert [n for _, n in history] == [135, 135]  # 27 KPIs x 5 months, twice
    assert history[0][0] == first_run and history[1][0] != first_run
    rows = query(
        published_copy,
        "select strftime(month, '%Y-%m-%d'), kpi, first_value, first_run_id, current_value, "
        "current_run_id from published.cco_kpi_restatements",
    )
    assert {(m, k) for m, k, *_ in rows} == set(RESTATED)
    for month, kpi, first, first_run_id, current, current_run_id in rows:
        expected_first, expected_current = RESTATED[(month, kpi)]
        assert first == pytest.approx(expected_first) and first_run_id == first_run
        assert current == pytest.approx(expected_current) and current_run_id == history[1][0]

    from orchestration.report import report_path

    html = report_path(published_copy).read_text()
    # October is the month shown: its three restated tiles say what they were first
    marked = set(re.findall(r'class="tile [a-z]+ restated" data-kpi="(\w+)"', html))
    assert marked == {"contraction_mrr_usd", "nrr", "grr"}
    assert "Restated: first published as $0" in html
    listed = set(re.findall(r'data-restated="([\d-]+):(\w+)"', html))
    assert listed == set(RESTATED)


def test_kpis_prints_the_published_kpis(published_copy: Settings, capsys) -> None:
    assert main(["kpis", "--all", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "month,kpi,value,numerator,denominator,run_id,published_at"
    assert len(lines) == 1 + 135
    rows = {tuple(r.split(",")[:2]): r.split(",") for r in lines[1:]}
    # expected.py: Oct mrr_usd 1499; csat 0.5 = 2 / 4; Jun churned_customers null (first month)
    assert float(rows[("2026-10-01", "mrr_usd")][2]) == 1499.0
    assert rows[("2026-10-01", "csat")][2:5] == ["0.5", "2.0", "4.0"]
    assert rows[("2026-06-01", "churned_customers")][2] == ""
    [(run_id,)] = query(published_copy, "select distinct run_id from published.cco_kpi_monthly")
    assert {r[5] for r in rows.values()} == {run_id}

    assert main(["kpis"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("October 2026 — published")
    assert re.search(r"mrr_usd\s+1,499\s", table) and "June" not in table


def test_kpis_says_when_nothing_was_published(c360_env: Settings, capsys) -> None:
    assert main(["kpis"]) == 1
    assert "run `c360 run` first" in capsys.readouterr().err


def test_two_warehouses_in_one_folder_do_not_share_raw_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagster as dg

    from orchestration.defs.ingestion import ingest
    from orchestration.defs.resources import C360Settings

    point_settings_at(tmp_path, monkeypatch, landing_from=SMALL_LANDING)
    first = Settings.from_env()
    monkeypatch.setenv("C360_WAREHOUSE", str(tmp_path / "warehouse" / "other.duckdb"))
    second = Settings.from_env()
    assert first.warehouse.parent == second.warehouse.parent
    assert first.raw_dir == first.warehouse.parent / "c360_raw"
    assert second.raw_dir == second.warehouse.parent / "other_raw"

    # The first warehouse's ingestion writes only its own raw layer.
    monkeypatch.setenv("C360_WAREHOUSE", str(first.warehouse))
    result = dg.materialize([ingest], resources={"settings": C360Settings()})
    assert result.success
    assert any(first.raw_dir.rglob("*.parquet"))
    assert not second.raw_dir.exists()
