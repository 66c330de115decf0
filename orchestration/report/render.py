"""The scorecard as one self-contained HTML page: inline CSS, inline SVG, no scripts, no fetches.

The markup is in templates/ (Jinja2, autoescaped), what it shows is worked out by view.py; this
module only wires the two together. Every element a test (or a screen reader) needs to find carries
an id or a data-* attribute: `#data-status[data-status]`, `.tile[data-kpi]` with
`[data-role=value|delta|sample]`, `#mrr-bridge [data-movement]`, `#at-risk tr[data-customer-id]`.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from orchestration.report import formats
from orchestration.report.catalogue import MINUS, format_value
from orchestration.report.data import ReportData
from orchestration.report.view import scorecard


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("orchestration.report", "templates"),
        autoescape=True,  # every value is text until a view marks it as markup (the SVG charts)
        undefined=StrictUndefined,  # a misspelt field fails the render instead of printing nothing
        finalize=lambda value: "" if value is None else value,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        ts=formats.ts,
        month_long=formats.month_long,
        month_short=formats.month_short,
        short_run=formats.short_run,
        one_line=formats.truncate,
        plural=formats.plural,
        thousands="{:,}".format,
        format_value=format_value,
    )
    env.globals["MINUS"] = MINUS
    return env


def page(data: ReportData) -> str:
    return environment().get_template("page.html").render(card=scorecard(data))
