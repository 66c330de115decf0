"""The CCO scorecard, rendered by a real headless browser from a hand-made warehouse.

The warehouse below is built directly (no pipeline run): `published.cco_kpi_monthly` for
July–October 2026 with every KPI, `marts.customer_360` with five customers of whom two are at
risk, and the `audit` tables. Each displayed value the tests expect is worked out by hand beside
the fixture.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

from orchestration.audit import DDL as AUDIT_DDL
from orchestration.audit import LOG_COLUMNS
from orchestration.failed_checks import FailedCheck, to_json
from orchestration.report import REPORT_NAME, write_report
from orchestration.report.catalogue import format_delta, format_value
from orchestration.report.stats import nps_interval, nps_interval_from_net, wilson_interval
from tests.conftest import settings_in

# ----------------------------------------------------------------------------- the fixture

JUL, AUG, SEP, OCT = (dt.date(2026, m, 1) for m in (7, 8, 9, 10))
RUN_OCT_1 = "5c1f9a2e-7b1d-4c55-9e0a-1d2f3a4b5c6d"  # published on 2026-10-02 (Jul–Sep)
RUN_NOV_BLOCKED = "0b7e4d1a-2222-4c55-9e0a-1d2f3a4b5c6d"  # blocked on 2026-11-02
RUN_NOV_3 = "9e8d7c6b-5a49-4c55-9e0a-1d2f3a4b5c6d"  # published on 2026-11-03 (Jul–Oct): shown
RUN_NOV_4 = "aa11bb22-3333-4c55-9e0a-1d2f3a4b5c6d"  # blocked on 2026-11-04 (second test)
RUN_NOV_5 = "cc33dd44-4444-4c55-9e0a-1d2f3a4b5c6d"  # blocked again on 2026-11-05 (second test)
PUBLISHED_AT = dt.datetime(2026, 11, 3, 6, 11, 30)

# (value, numerator, denominator) per KPI and month; None = null. Sums and counts have no sides.
# Revenue, September → October:
#   MRR Sep 120,000 + new 6,000 + reactivation 1,500 + expansion 4,200 − contraction 1,700
#   − churned 3,000 = 127,000 (Oct), so the bridge reconciles.
#   active: 400 in Sep; Oct = 400 + 20 new + 5 reactivated − 10 churned = 415.
#   logo churn Oct = 10 / 400 = 0.025; NRR = (120,000 + 4,200 − 1,700 − 3,000) / 120,000
#   = 119,500 / 120,000 = 0.995833; GRR = (120,000 − 1,700 − 3,000) / 120,000 = 0.960833.
#   ARPA Oct = 127,000 / 415 = 306.02; Sep = 120,000 / 400 = 300.
#   at risk Oct: 2 customers, 2,500 + 1,800 = 4,300 MRR (the two in marts.customer_360).
KPI_ROWS: dict[str, dict[dt.date, tuple]] = {
    "active_customers": {JUL: (380,), AUG: (390,), SEP: (400,), OCT: (415,)},
    "new_customers": {JUL: (380,), AUG: (18,), SEP: (22,), OCT: (20,)},
    "reactivated_customers": {JUL: (None,), AUG: (2,), SEP: (3,), OCT: (5,)},
    "churned_customers": {JUL: (None,), AUG: (10,), SEP: (15,), OCT: (10,)},
    "logo_churn_rate": {
        JUL: (None, None, None),
        AUG: (10 / 380, 10, 380),
        SEP: (15 / 390, 15, 390),
        OCT: (10 / 400, 10, 400),
    },
    "mrr_usd": {JUL: (110_000,), AUG: (114_000,), SEP: (120_000,), OCT: (127_000,)},
    "arr_usd": {JUL: (1_320_000,), AUG: (1_368_000,), SEP: (1_440_000,), OCT: (1_524_000,)},
    "arpa_usd": {
        JUL: (110_000 / 380, 110_000, 380),
        AUG: (114_000 / 390, 114_000, 390),
        SEP: (300.0, 120_000, 400),
        OCT: (127_000 / 415, 127_000, 415),
    },
    "new_mrr_usd": {JUL: (110_000,), AUG: (5_000,), SEP: (6_500,), OCT: (6_000,)},
    "reactivation_mrr_usd": {JUL: (None,), AUG: (500,), SEP: (800,), OCT: (1_500,)},
    "expansion_mrr_usd": {JUL: (None,), AUG: (2_000,), SEP: (3_100,), OCT: (4_200,)},
    "contraction_mrr_usd": {JUL: (None,), AUG: (1_000,), SEP: (1_400,), OCT: (1_700,)},
    "churned_mrr_usd": {JUL: (None,), AUG: (2_500,), SEP: (3_000,), OCT: (3_000,)},
    "nrr": {
        JUL: (None, None, None),
        AUG: (108_500 / 110_000, 108_500, 110_000),
        SEP: (112_700 / 114_000, 112_700, 114_000),
        OCT: (119_500 / 120_000, 119_500, 120_000),
    },
    "grr": {
        JUL: (None, None, None),
        AUG: (106_500 / 110_000, 106_500, 110_000),
        SEP: (109_600 / 114_000, 109_600, 114_000),
        OCT: (115_300 / 120_000, 115_300, 120_000),
    },
    "at_risk_customers": {JUL: (4,), AUG: (3,), SEP: (3,), OCT: (2,)},
    "revenue_at_risk_usd": {JUL: (6_000,), AUG: (5_400,), SEP: (5_100,), OCT: (4_300,)},
    # Service, October: abandonment (2,000 − 1,880) / 2,000 = 0.06 (Sep 0.05: +1.0 pp, bad);
    # service level 1,620 / 2,000 = 0.81; ASA 45,872 / 1,880 = 24.4 s; AHT 587,688 / 1,880
    # = 312.6 s; FCR 1,080 / 1,500 = 0.72.
    "calls_offered": {JUL: (1_900,), AUG: (1_950,), SEP: (1_980,), OCT: (2_000,)},
    "calls_answered": {JUL: (1_800,), AUG: (1_850,), SEP: (1_881,), OCT: (1_880,)},
    "abandonment_rate": {
        JUL: (100 / 1_900, 100, 1_900),
        AUG: (100 / 1_950, 100, 1_950),
        SEP: (99 / 1_980, 99, 1_980),
        OCT: (120 / 2_000, 120, 2_000),
    },
    "service_level_20s": {
        JUL: (0.8, 1_520, 1_900),
        AUG: (0.8, 1_560, 1_950),
        SEP: (0.8, 1_584, 1_980),
        OCT: (0.81, 1_620, 2_000),
    },
    "asa_seconds": {
        JUL: (22.0, 39_600, 1_800),
        AUG: (23.0, 42_550, 1_850),
        SEP: (25.0, 47_025, 1_881),
        OCT: (45_872 / 1_880, 45_872, 1_880),
    },
    "aht_seconds": {
        JUL: (300.0, 540_000, 1_800),
        AUG: (305.0, 564_250, 1_850),
        SEP: (310.0, 583_110, 1_881),
        OCT: (587_688 / 1_880, 587_688, 1_880),
    },
    "fcr_rate": {
        JUL: (0.7, 980, 1_400),
        AUG: (0.7, 1_015, 1_450),
        SEP: (0.71, 1_065, 1_500),
        OCT: (0.72, 1_080, 1_500),
    },
    # Experience, October: CSAT 340 / 400 = 0.85 (Sep 300 / 375 = 0.80: +5.0 pp, good);
    # NPS on only 25 responses, net 8 → 32, shown as "too few responses"; CES 1,140 / 400 = 2.85
    # (Sep 1,200 / 400 = 3.00: −0.15, good since lower effort is better).
    "csat": {
        JUL: (0.78, 273, 350),
        AUG: (0.79, 316, 400),
        SEP: (0.8, 300, 375),
        OCT: (0.85, 340, 400),
    },
    "nps": {JUL: (18.0, 36, 200), AUG: (19.0, 38, 200), SEP: (20.0, 40, 200), OCT: (32.0, 8, 25)},
    "ces": {
        JUL: (3.1, 1_240, 400),
        AUG: (3.05, 1_220, 400),
        SEP: (3.0, 1_200, 400),
        OCT: (2.85, 1_140, 400),
    },
}

# marts.customer_360: Acme (2,500 MRR, score 100 − 30 − 15 − 15 = 40) and Blue Harbor (1,800,
# 100 − 30 − 20 − 20 = 30) are at risk; Cedar (score 85) is not; Delta scores 40 but is not
# active (no MRR), so not at risk; Evergreen is healthy. At-risk order by MRR: Acme, Blue Harbor.
CUSTOMERS = [
    # id, name, mrr, active, score, reasons, at risk
    (
        "crm:001Acme",
        "Acme Manufacturing",
        2_500.0,
        True,
        40,
        "escalation,frequent_calls,overdue_invoice",
        True,
    ),
    (
        "crm:001Blue",
        "Blue Harbor Logistics",
        1_800.0,
        True,
        30,
        "contracting,overdue_invoice,poor_experience",
        True,
    ),
    ("crm:001Cedr", "Cedar Dental", 900.0, True, 85, "escalation", False),
    (
        "billing:cus_delta",
        "Delta Freight",
        0.0,
        False,
        40,
        "frequent_calls,overdue_invoice,poor_experience",
        False,
    ),
    ("crm:001Ever", "Evergreen Foods", 3_000.0, True, 100, None, False),
]


LOG_INSERT = f"insert into audit.publication_log ({LOG_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)"


def gates_failed(*checks: tuple[str, str]) -> str:
    """The log's structured record of blocking quality gates that failed: (suite, summary)."""
    return to_json(
        [FailedCheck(c, "marts/kpi_monthly", "quality_gate", True, s) for c, s in checks]
    )


def build_warehouse(path: Path, *, published: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema published")
        con.execute("""create table published.cco_kpi_monthly (month date, kpi varchar,
            value double, numerator double, denominator double, run_id varchar,
            published_at timestamp)""")
        if published:
            for kpi, months in KPI_ROWS.items():
                for month, sides in months.items():
                    value, num, den = (*sides, None, None)[:3]
                    con.execute(
                        "insert into published.cco_kpi_monthly values (?, ?, ?, ?, ?, ?, ?)",
                        [month, kpi, value, num, den, RUN_NOV_3, PUBLISHED_AT],
                    )
        con.execute("create schema marts")
        con.execute("""create table marts.customer_360 (customer_id varchar, customer_name varchar,
            as_of_month date, current_mrr_usd double, is_active boolean, health_score bigint,
            health_reasons varchar, is_at_risk boolean)""")
        for cid, name, mrr, active, score, reasons, risk in CUSTOMERS:
            con.execute(
                "insert into marts.customer_360 values (?, ?, ?, ?, ?, ?, ?, ?)",
                [cid, name, OCT, mrr, active, score, reasons, risk],
            )
        for sql, _ in AUDIT_DDL:
            con.execute(sql)
        log = [
            (
                RUN_OCT_1,
                dt.datetime(2026, 10, 2, 6, 9),
                "published",
                None,
                75,
                dt.date(2026, 10, 1),
                "published 75 KPI rows",
                "[]",
            ),
            (
                RUN_NOV_BLOCKED,
                dt.datetime(2026, 11, 2, 6, 4),
                "blocked",
                "marts/kpi_monthly:sources_fresh",
                None,
                dt.date(2026, 11, 1),
                "marts/kpi_monthly:sources_fresh — sources_fresh: FAILED expect_column_max_to_be_between",
                gates_failed(
                    ("sources_fresh", "sources_fresh: FAILED expect_column_max_to_be_between")
                ),
            ),
            (
                RUN_NOV_3,
                dt.datetime(2026, 11, 3, 6, 12),
                "published",
                None,
                108,
                dt.date(2026, 11, 2),
                "published 108 KPI rows",
                "[]",
            ),
        ]
        for row in log:
            con.execute(LOG_INSERT, list(row))
        gates = [
            (
                RUN_NOV_3,
                dt.datetime(2026, 11, 3, 6, 10),
                "kpi_values_in_range",
                "marts/kpi_monthly",
                True,
                True,
                108,
                "kpi_values_in_range: passed (6 expectations)",
                "[]",
            ),
        ]
        for row in gates:
            con.execute(
                "insert into audit.gate_results values (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row)
            )


def block_two_runs(path: Path) -> None:
    """Two later runs held back by quality gates; the published table is left as it was."""
    with duckdb.connect(str(path)) as con:
        con.executemany(
            "insert into audit.gate_results values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    RUN_NOV_4,
                    dt.datetime(2026, 11, 4, 6, 2),
                    "mrr_movements_reconcile",
                    "marts/kpi_monthly",
                    True,
                    False,
                    108,
                    (
                        "mrr_movements_reconcile: FAILED expect_column_values_to_be_between 1 unexpected, "
                        'e.g. ["2026-10-01"]'
                    ),
                    "[]",
                ],
                [
                    RUN_NOV_4,
                    dt.datetime(2026, 11, 4, 6, 2),
                    "kpi_values_in_range",
                    "marts/kpi_monthly",
                    True,
                    True,
                    108,
                    "kpi_values_in_range: passed",
                    "[]",
                ],
                [
                    RUN_NOV_5,
                    dt.datetime(2026, 11, 5, 6, 1),
                    "mrr_movements_reconcile",
                    "marts/kpi_monthly",
                    True,
                    False,
                    112,
                    (
                        "mrr_movements_reconcile: FAILED expect_column_values_to_be_between 2 unexpected, "
                        'e.g. ["2026-10-01", "2026-11-01"]'
                    ),
                    "[]",
                ],
                [
                    RUN_NOV_5,
                    dt.datetime(2026, 11, 5, 6, 1),
                    "kpi_months_complete",
                    "marts/kpi_monthly",
                    True,
                    False,
                    112,
                    "kpi_months_complete: FAILED expect_table_row_count_to_equal observed 104",
                    "[]",
                ],
            ],
        )
        reconcile_1 = (
            "mrr_movements_reconcile: FAILED expect_column_values_to_be_between 1 unexpected, "
            'e.g. ["2026-10-01"]'
        )
        reconcile_2 = (
            "mrr_movements_reconcile: FAILED expect_column_values_to_be_between 2 unexpected, "
            'e.g. ["2026-10-01", "2026-11-01"]'
        )
        complete = "kpi_months_complete: FAILED expect_table_row_count_to_equal observed 104"
        con.executemany(
            LOG_INSERT,
            [
                [
                    RUN_NOV_4,
                    dt.datetime(2026, 11, 4, 6, 3),
                    "blocked",
                    "marts/kpi_monthly:mrr_movements_reconcile",
                    None,
                    dt.date(2026, 11, 3),
                    f"marts/kpi_monthly:mrr_movements_reconcile — {reconcile_1}",
                    gates_failed(("mrr_movements_reconcile", reconcile_1)),
                ],
                [
                    RUN_NOV_5,
                    dt.datetime(2026, 11, 5, 6, 2),
                    "blocked",
                    "marts/kpi_monthly:mrr_movements_reconcile, marts/kpi_monthly:kpi_months_complete",
                    None,
                    dt.date(2026, 11, 4),
                    (
                        f"marts/kpi_monthly:mrr_movements_reconcile — {reconcile_2}; "
                        f"marts/kpi_monthly:kpi_months_complete — {complete}"
                    ),
                    gates_failed(
                        ("mrr_movements_reconcile", reconcile_2), ("kpi_months_complete", complete)
                    ),
                ],
            ],
        )


# ----------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(
            "needs Debian's chromium (/usr/bin/chromium) to render the report; not "
            "installed, and not running as root to `apt-get install -y chromium`"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update"],
        ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "chromium"],
    ):
        done = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        if done.returncode != 0:
            pytest.skip(f"could not install chromium ({' '.join(cmd)}): {done.stderr[-500:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium, but no `chromium` on PATH")
    return found


def browse(chromium: str, html: Path, out: Path) -> tuple[str, Path]:
    """The DOM as the browser built it, and a full-page screenshot."""
    common = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1400,3000",
    ]
    url = html.resolve().as_uri()
    dom = subprocess.run(
        [*common, f"--user-data-dir={out / 'profile-dom'}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    png = out / f"{html.stem}.png"
    shot = subprocess.run(
        [*common, f"--user-data-dir={out / 'profile-shot'}", f"--screenshot={png}", url],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one
    keep = os.environ.get("C360_SCREENSHOT_DIR")  # e.g. to refresh the README's screenshot
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / f"{out.name}.png")
    return dom.stdout, png


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    BLOCK: ClassVar[set[str]] = {
        "div",
        "p",
        "li",
        "ul",
        "td",
        "th",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "h1",
        "h2",
        "h3",
        "figure",
        "details",
        "summary",
    }

    def text(self) -> str:
        parts = [
            c if isinstance(c, str) else (f" {c.text()} " if c.tag in self.BLOCK else c.text())
            for c in self.children
        ]
        return " ".join("".join(parts).split())

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.walk()
            if all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, **attrs: str) -> Node:
        hits = self.find_all(**attrs)
        assert hits, f"no element with {attrs}"
        return hits[0]


class DomParser(HTMLParser):
    VOID: ClassVar[set[str]] = {
        "meta",
        "link",
        "br",
        "img",
        "input",
        "hr",
        "source",
        "wbr",
        "col",
        "area",
        "base",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(dom: str) -> Node:
    parser = DomParser()
    parser.feed(dom)
    return parser.root


def tile_text(root: Node, kpi: str, role: str) -> str:
    return root.find(data_kpi=kpi).find(data_role=role).text()


# ----------------------------------------------------------------------------- tests

M = "\u2212"  # the typographic minus the report writes

# What the October tiles must show (value, change against September), worked out by hand.
EXPECTED_TILES = {
    "mrr_usd": ("$127,000", "+$7,000"),  # 127,000 − 120,000
    "arr_usd": ("$1,524,000", "+$84,000"),
    "arpa_usd": ("$306", "+$6"),  # 306.02 − 300 = 6.02
    "active_customers": ("415", "+15"),
    "new_customers": ("20", f"{M}2"),
    "reactivated_customers": ("5", "+2"),
    "churned_customers": ("10", f"{M}5"),
    "logo_churn_rate": ("2.5%", f"{M}1.3 pp"),  # 2.500% − 15/390 = 3.846% → −1.346 pp
    "nrr": ("99.6%", "+0.7 pp"),  # 99.583% − 112,700/114,000 = 98.860% → +0.724 pp
    "grr": ("96.1%", f"{M}0.1 pp"),  # 96.083% − 109,600/114,000 = 96.140% → −0.057 pp
    "new_mrr_usd": ("$6,000", f"{M}$500"),
    "reactivation_mrr_usd": ("$1,500", "+$700"),
    "expansion_mrr_usd": ("$4,200", "+$1,100"),
    "contraction_mrr_usd": ("$1,700", "+$300"),
    "churned_mrr_usd": ("$3,000", None),  # unchanged
    "at_risk_customers": ("2", f"{M}1"),
    "revenue_at_risk_usd": ("$4,300", f"{M}$800"),
    "calls_offered": ("2,000", "+20"),
    "calls_answered": ("1,880", f"{M}1"),
    "abandonment_rate": ("6.0%", "+1.0 pp"),  # 120/2,000 − 99/1,980 = 6.0% − 5.0%
    "service_level_20s": ("81.0%", "+1.0 pp"),
    "asa_seconds": ("24s", f"{M}1s"),  # 24.40 − 25 = −0.60 → −1 s
    "aht_seconds": ("313s", "+3s"),  # 312.60 − 310 = 2.60 → +3 s
    "fcr_rate": ("72.0%", "+1.0 pp"),
    "csat": ("85.0%", "+5.0 pp"),
    "nps": ("32", None),  # too few responses: the change is shown, but muted
    "ces": ("2.85", f"{M}0.15"),
}


@pytest.fixture
def rendered(tmp_path: Path, chromium: str):
    def render(blocked: bool = False) -> tuple[Node, Path, Path]:
        settings = settings_in(tmp_path)
        build_warehouse(settings.warehouse)
        if blocked:
            block_two_runs(settings.warehouse)
        html = write_report(settings)
        assert html == settings.report_dir / REPORT_NAME
        dom, png = browse(chromium, html, tmp_path)
        return parse(dom), html, png

    return render


def test_scorecard_tiles_and_at_risk_list_in_a_real_browser(rendered) -> None:
    root, html, png = rendered()
    text = html.read_text()
    # self-contained: nothing fetched from anywhere
    for needle in ("<script", "http://", "https://", "<link", "@import", "url(http"):
        assert needle not in text.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
            'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
        ), needle

    status = root.find(id="data-status")
    assert status.attrs["data-status"] == "validated"
    assert (
        "Validated — published 2026-11-03 06:11 UTC (run 9e8d7c6b), data as of 2026-11-02"
        in status.text()
    )
    assert root.find(id="page-head").text().count("October 2026") == 1

    for kpi, (value, delta) in EXPECTED_TILES.items():
        assert tile_text(root, kpi, "value") == value, kpi
        if delta is not None:
            assert tile_text(root, kpi, "delta-value") == delta, kpi
    # every KPI of docs/kpis.md has a tile, in its group
    tiles = root.find_all(**{"class": "tile ok"}) + root.find_all(**{"class": "tile insufficient"})
    assert len(tiles) == len(EXPECTED_TILES) == 27
    groups = {n.attrs["data-kpi"]: n.attrs["data-group"] for n in tiles}
    assert groups["logo_churn_rate"] == "Retention" and groups["mrr_usd"] == "Revenue"
    assert groups["asa_seconds"] == "Service" and groups["nps"] == "Experience"

    # colour follows whether up is good: churn down is good, abandonment up is bad,
    # calls offered up is neither, lower effort is good
    def sentiment(kpi: str) -> str:
        return root.find(data_kpi=kpi).find(data_role="delta").attrs["data-sentiment"]

    assert sentiment("logo_churn_rate") == "good"
    assert sentiment("mrr_usd") == "good"
    assert sentiment("abandonment_rate") == "bad"
    assert sentiment("contraction_mrr_usd") == "bad"
    assert sentiment("calls_offered") == "neutral"
    assert sentiment("ces") == "good"
    assert (
        root.find(data_kpi="churned_mrr_usd").find(data_role="delta").attrs["data-direction"]
        == "flat"
    )

    # survey sample sizes: CSAT on 400 responses with its Wilson interval
    # p = 0.85, n = 400, z = 1.96: centre (0.85 + z²/800) / (1 + z²/400) = 0.84667,
    # half-width z·sqrt(0.85·0.15/400 + z²/640,000) / (1 + z²/400) = 0.03498 → 81.2%–88.2%
    assert tile_text(root, "csat", "sample") == "n = 400 · 95% CI 81.2–88.2%"
    # NPS on 25 responses: greyed, "too few responses", its change not coloured
    nps = root.find(data_kpi="nps")
    assert nps.attrs["data-state"] == "insufficient"
    assert "too few responses (n = 25" in tile_text(root, "nps", "sample")
    assert nps.find(data_role="delta").attrs["data-sentiment"] == "neutral"
    assert tile_text(root, "ces", "sample") == "n = 400 responses"

    # each tile carries its 12-month trend chart as inline SVG
    assert all(any(n.tag == "svg" for n in t.walk()) for t in tiles)

    # the MRR bridge: 120,000 + 6,000 + 1,500 + 4,200 − 1,700 − 3,000 = 127,000
    bridge = root.find(id="mrr-bridge")
    assert bridge.attrs["data-state"] == "ok"
    moves = {
        n.attrs["data-movement"]: n.text() for n in bridge.find_all() if "data-movement" in n.attrs
    }
    assert moves == {
        "previous": "MRR September 2026 $120,000",
        "new_mrr_usd": "New +$6,000",
        "reactivation_mrr_usd": "Reactivated +$1,500",
        "expansion_mrr_usd": "Expansion +$4,200",
        "contraction_mrr_usd": f"Contraction {M}$1,700",
        "churned_mrr_usd": f"Churned {M}$3,000",
        "mrr_usd": "MRR October 2026 $127,000",
    }
    assert "differ by" not in bridge.text()  # it reconciles
    assert any(n.tag == "svg" for n in bridge.walk())

    # the at-risk list: the two at-risk customers, largest MRR first, reasons in words
    at_risk = root.find(id="at-risk")
    rows = [n for n in at_risk.walk() if n.tag == "tr" and "data-customer-id" in n.attrs]
    assert [r.attrs["data-customer-id"] for r in rows] == ["crm:001Acme", "crm:001Blue"]
    assert [r.find(data_role="name").text() for r in rows] == [
        "Acme Manufacturing",
        "Blue Harbor Logistics",
    ]
    assert [r.find(data_role="mrr").text() for r in rows] == ["$2,500", "$1,800"]
    assert [r.find(data_role="score").text() for r in rows] == ["40", "30"]
    reasons = [
        [c.text() for c in r.find(data_role="reasons").walk() if c.tag == "li"] for r in rows
    ]
    # heaviest first: overdue (−30), then the 15-pointers alphabetically
    assert reasons[0] == [f"Invoice overdue {M}30", f"Calling often {M}15", f"Escalated call {M}15"]
    assert reasons[1] == [
        f"Invoice overdue {M}30",
        f"Spending less {M}20",
        f"Unhappy in surveys {M}20",
    ]
    # what drives the risk, by MRR touched: overdue on both (2,500 + 1,800), then Acme's
    # 2,500 (calling often, escalated call), then Blue Harbor's 1,800
    drivers = [
        (n.attrs["data-reason"], n.text())
        for n in root.find(id="risk-drivers").walk()
        if n.tag == "li"
    ]
    assert drivers == [
        ("overdue_invoice", "Invoice overdue 2 customers · $4,300"),
        ("frequent_calls", "Calling often 1 customer · $2,500"),
        ("escalation", "Escalated call 1 customer · $2,500"),
        ("contracting", "Spending less 1 customer · $1,800"),
        ("poor_experience", "Unhappy in surveys 1 customer · $1,800"),
    ]
    # 2 customers, 4,300 MRR = 3.4% of 127,000
    assert "2 customers with $4,300 MRR (3.4% of MRR)" in at_risk.text()
    assert "Delta Freight" not in at_risk.text().split("How the health score works")[0]

    footer = root.find(id="provenance").text()
    for table in (
        "published.cco_kpi_monthly",
        "marts.customer_360",
        "audit.publication_log",
        "audit.gate_results",
    ):
        assert table in footer
    assert "108 rows" in footer  # 27 KPIs × 4 months
    print(f"screenshot: {png}")


def test_blocked_run_names_the_failed_checks_and_keeps_the_last_published_values(rendered) -> None:
    root, _, png = rendered(blocked=True)
    status = root.find(id="data-status")
    assert status.attrs["data-status"] == "held_back"
    text = status.text()
    # held back since the first blocked attempt after the last publication (not the 11-02 one,
    # which the 11-03 publication superseded)
    assert "Held back since 2026-11-04 06:03 UTC" in text
    checks = {n.attrs["data-check"]: n.text() for n in status.find_all() if "data-check" in n.attrs}
    assert set(checks) == {"mrr_movements_reconcile", "kpi_months_complete"}
    # each check with its latest message
    assert "2 unexpected" in checks["mrr_movements_reconcile"]
    assert "observed 104" in checks["kpi_months_complete"]
    assert "sources_fresh" not in text
    assert (
        "The numbers below are the last validated ones, published 2026-11-03 06:11 UTC "
        "(run 9e8d7c6b)"
    ) in text
    assert "2 runs held back since then" in text
    # the tiles still show the last published values
    for kpi in ("mrr_usd", "logo_churn_rate", "csat", "aht_seconds"):
        assert tile_text(root, kpi, "value") == EXPECTED_TILES[kpi][0]
    assert "did not pass the quality gates" in root.find(id="at-risk").text()
    print(f"screenshot: {png}")


def test_nothing_published_explains_and_shows_no_tiles(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    html = write_report(settings).read_text()  # no warehouse at all yet
    root = parse(html)
    assert root.find(id="data-status").attrs["data-status"] == "never"
    assert "No validated KPIs yet" in root.find(id="data-status").text()
    assert not root.find_all(**{"class": "tile ok"})

    build_warehouse(settings.warehouse, published=False)  # tables, but never a publication
    root = parse(write_report(settings).read_text())
    status = root.find(id="data-status")
    assert status.attrs["data-status"] == "never"
    assert "sources_fresh" in status.text()  # the attempt that was held back says why
    assert not [n for n in root.walk() if "data-kpi" in n.attrs]


def test_a_failed_run_since_the_publication_is_shown_in_amber(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        # a row logged before the structured record of failed checks existed
        con.execute(
            "insert into audit.publication_log (run_id, attempted_at, outcome, failed_checks, "
            "kpi_rows, as_of_date, message) values ('dd55ee66', "
            "'2026-11-04 06:20', 'failed', null, null, '2026-11-03', "
            "'dbt_build: step failed (Binder Error: column x not found)')"
        )
    root = parse(write_report(settings).read_text())
    status = root.find(id="data-status")
    assert status.attrs["data-status"] == "failed"
    assert "status-failed" in status.attrs["class"]
    text = status.text()
    assert "Not updated since 2026-11-04 06:20 UTC" in text
    assert "pipeline run failed — dbt_build: step failed" in text
    assert "last validated ones, published 2026-11-03 06:11 UTC" in text
    assert tile_text(root, "mrr_usd", "value") == "$127,000"


def test_report_file_is_replaced_atomically(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    first = write_report(settings)
    second = write_report(settings)
    assert first == second and second.exists()
    assert [p.name for p in settings.report_dir.iterdir()] == [REPORT_NAME]  # no temp files left


def test_intervals_and_formats_by_hand() -> None:
    lo, hi = wilson_interval(340, 400)
    assert round(lo, 4) == 0.8117 and round(hi, 4) == 0.8817
    # NPS: n = 200, 45% promoters, 25% detractors → NPS 20;
    # se = 100·sqrt((0.45 + 0.25 − 0.2²) / 200) = 100·sqrt(0.0033) = 5.745; ±1.96·se = ±11.26
    lo, hi = nps_interval(200, 0.45, 0.25)
    assert round(lo, 2) == 8.74 and round(hi, 2) == 31.26
    # from the published net score alone (p+ + p− taken as 1): se = 100·sqrt((1 − 0.04) / 200)
    lo, hi = nps_interval_from_net(40, 200)
    assert round(hi - 20, 2) == round(1.959964 * 100 * (0.96 / 200) ** 0.5, 2)
    assert format_value(-1234.4, "money") == f"{M}$1,234"
    assert format_value(0.0255, "rate") == "2.6%"  # half away from zero
    assert format_value(-4.5, "nps") == f"{M}5"
    assert format_value(None, "count") == "—"
    assert format_delta(0.004, "rate") == "+0.4 pp"
    assert format_delta(-12.4, "seconds") == f"{M}12s"


def test_dagster_asset_renders_the_report_after_publication(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagster as dg

    from orchestration.defs.report import cco_scorecard, defs
    from orchestration.defs.resources import C360Settings

    key = dg.AssetKey(["report", "cco_scorecard"])
    assert defs.assets == [cco_scorecard]  # merged into orchestration.definitions
    assert cco_scorecard.group_names_by_key[key] == "report"
    assert cco_scorecard.asset_deps[key] == {dg.AssetKey(["published", "cco_kpi_monthly"])}

    settings = settings_in(tmp_path)
    build_warehouse(settings.warehouse)
    monkeypatch.setenv("C360_REPORT_DIR", str(settings.report_dir))
    result = dg.materialize(
        [cco_scorecard], resources={"settings": C360Settings(warehouse=str(settings.warehouse))}
    )
    assert result.success
    [event] = result.get_asset_materialization_events()
    path = Path(event.materialization.metadata["path"].value)
    assert path == settings.report_dir / REPORT_NAME
    assert 'data-status="validated"' in path.read_text()
