"""What held a run back, as data: one entry per failed check or failed step.

`audit.publication_log.failed_checks_json` stores the list as JSON, so the scorecard and the CLI
read each check's name, asset, kind and summary as they were recorded, never parsed back out of
a joined message. `failed_checks` beside it is the same blocking checks as one comma-separated
line of `asset:check`, kept for BI readers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestration.outcome import RunOutcome

KINDS = ("dbt_test", "quality_gate", "step")


@dataclass(frozen=True)
class FailedCheck:
    check: str  # the dbt test or quality suite; for a step, its step key
    asset: str | None  # the asset the check guards (marts/kpi_monthly); None for a step
    kind: str  # one of KINDS
    blocking: bool  # it stopped publication (a step failure always does)
    summary: str  # one line: what the check observed, or the step's error

    @property
    def label(self) -> str:
        """How a person names it: `marts/kpi_monthly:mrr_movements_reconcile`, `step dbt_build`."""
        return f"step {self.check}" if self.kind == "step" else f"{self.asset}:{self.check}"


def of_outcome(outcome: RunOutcome) -> list[FailedCheck]:
    """Every check that failed in the run (blocking or not), then every step that failed."""
    checks = [
        FailedCheck(c.check, c.asset, c.kind, c.blocking, c.summary)
        for c in outcome.checks
        if not c.passed
    ]
    steps = [FailedCheck(s.step, None, "step", True, s.error) for s in outcome.failed_steps]
    return checks + steps


def to_json(checks: Sequence[FailedCheck]) -> str:
    return json.dumps([asdict(c) for c in checks])


def from_json(value: Any) -> list[FailedCheck] | None:
    """The list stored in the log, or None for a row recorded before the column existed.

    DuckDB hands JSON back as text, psycopg as the decoded list; pandas shows a NULL as None,
    NaN or NA.
    """
    if not isinstance(value, str | bytes | list):
        return None
    items = json.loads(value) if isinstance(value, str | bytes) else value
    return [
        FailedCheck(
            str(item["check"]),
            item.get("asset"),
            str(item["kind"]),
            bool(item["blocking"]),
            str(item.get("summary") or ""),
        )
        for item in items
    ]


def blocking_names(checks: Sequence[FailedCheck]) -> str | None:
    """The legacy `failed_checks` column: the blocking checks (not steps) as `asset:check, …`."""
    names = [c.label for c in checks if c.blocking and c.kind != "step"]
    return ", ".join(names) or None
