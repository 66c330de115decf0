"""The CCO scorecard: one self-contained HTML page from the published KPIs.

`write_report(settings)` reads `published.cco_kpi_monthly`, `marts.customer_360` and the `audit`
tables (read-only), and writes `<report_dir>/cco_scorecard.html` atomically (a temporary file,
then a rename), so a reader never sees half a page.
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.report.data import ReportData, load
from orchestration.report.render import page
from orchestration.settings import Settings
from sources.atomic import temp_name

REPORT_NAME = "cco_scorecard.html"

__all__ = ["REPORT_NAME", "ReportData", "render_html", "report_path", "write_report"]


def report_path(settings: Settings) -> Path:
    return Path(settings.report_dir) / REPORT_NAME


def render_html(settings: Settings) -> str:
    return page(load(settings))


def write_report(settings: Settings) -> Path:
    html = render_html(settings)
    folder = Path(settings.report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = report_path(settings)
    tmp = temp_name(target)  # created with the user's umask; an orphan is found by its pid
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
