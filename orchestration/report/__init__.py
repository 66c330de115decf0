"""The CCO scorecard: one self-contained HTML page from the published KPIs.

`write_report(settings)` reads `published.cco_kpi_monthly`, `marts.customer_360` and the `audit`
tables (read-only), and writes `<report_dir>/cco_scorecard.html` atomically (a temporary file,
then a rename), so a reader never sees half a page.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from orchestration.report.data import ReportData, load
from orchestration.report.render import page
from orchestration.settings import Settings
from sources.atomic import file_mode

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
    fd, tmp = tempfile.mkstemp(prefix=f".{REPORT_NAME}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(html)
        os.chmod(tmp, file_mode())  # mkstemp makes it private; follow the umask instead
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
