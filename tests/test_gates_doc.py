"""docs/gates.md is the one list of every gate for engineers and reviewers: it must name every
quality suite and every singular dbt test, with the blocking decision each really has."""

from __future__ import annotations

import re

from orchestration.defs.quality.checks import SUITES
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

GATES_DOC = PROJECT_ROOT / "docs" / "gates.md"


def _rows() -> dict[str, str]:
    """First cell (a `name`) -> last cell of every table row in docs/gates.md."""
    rows = {}
    for line in GATES_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 1 and (m := re.fullmatch(r"`([\w]+)`", cells[0])):
            rows[m.group(1)] = cells[-1]
    return rows


def test_every_suite_is_listed_with_its_blocking_decision():
    rows = _rows()
    for suite in SUITES:
        assert suite.name in rows, f"docs/gates.md does not list the suite {suite.name}"
        listed = rows[suite.name]
        assert listed.startswith("yes") == suite.blocking, (
            f"docs/gates.md says {suite.name} blocks: {listed!r}; the suite says {suite.blocking}"
        )


def test_every_singular_dbt_test_is_listed():
    rows = _rows()
    for path in sorted((DBT_PROJECT_DIR / "tests").glob("*.sql")):
        assert path.stem in rows, f"docs/gates.md does not list the dbt test {path.stem}"
