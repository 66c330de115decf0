"""Great Expectations (GX Core 1.x) suites run as Dagster asset checks.

A suite is a reviewable JSON file in `expectations/`: GX's own suite format plus a `meta.c360`
block saying which asset it guards, whether it blocks publication, and the SQL that produces the
table it validates, naming the tables it reads as dbt does (relations.py). The SQL does the heavy
lifting in the warehouse (aggregates, joins, only the columns needed); GX then validates the
result through its pandas path (GX's SQL path returns empty metrics on DuckDB). Thresholds live
in the suites, never in code.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.defs.quality.relations import Relation, Relations, project_relations


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    asset: tuple[str, ...]  # the asset the check is attached to: the table it validates
    blocking: bool
    query: str  # as the warehouse runs it, every placeholder resolved
    description: str
    definition: dict[str, Any]  # the GX suite (name, expectations, meta)
    reads: tuple[Relation, ...] = ()  # the tables its query names, in order

    @classmethod
    def load(cls, path: Path, relations: Relations) -> Suite:
        definition = json.loads(path.read_text())
        meta = definition.get("meta", {}).get("c360", {})
        missing = [k for k in ("asset", "query") if k not in meta]
        if missing:
            raise ValueError(f"{path}: meta.c360 lacks {missing}")
        template = meta["query"]
        template = "\n".join(template) if isinstance(template, list) else template
        query, reads = relations.render(template)
        asset = tuple(meta["asset"])
        if asset not in {tuple(r.asset_key.path) for r in reads if r.asset_key}:
            raise ValueError(
                f"{path}: meta.c360.asset {'/'.join(asset)} is not one of the tables its query "
                "reads (name them as {{ ref('model') }} or {{ source('source', 'table') }})"
            )
        return cls(
            name=definition["name"],
            path=path,
            asset=asset,
            blocking=bool(meta.get("blocking", True)),
            query=query,
            description=meta.get("description", ""),
            definition=definition,
            reads=tuple(reads),
        )

    @property
    def other_reads(self) -> list[Any]:
        """The assets of the other tables it reads: the check's additional dependencies."""
        return [
            r.asset_key for r in self.reads if r.asset_key and tuple(r.asset_key.path) != self.asset
        ]


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # type and column, e.g. expect_column_values_to_be_between(value)
    success: bool
    observed: Any
    unexpected_count: int | None
    unexpected_sample: list[Any]


@dataclass(frozen=True)
class SuiteResult:
    suite: Suite
    success: bool
    rows_validated: int
    outcomes: list[ExpectationOutcome]
    error: str | None = None

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def summary(self) -> str:
        if self.error:
            return f"{self.suite.name}: could not run: {self.error}"
        if self.success:
            return f"{self.suite.name}: passed ({len(self.outcomes)} expectations)"
        parts = []
        for o in self.failures:
            detail = f"observed {_short(o.observed)}" if o.observed is not None else ""
            if o.unexpected_sample and not o.unexpected_count:  # table-level: the rows
                detail += f": {_short(o.unexpected_sample, limit=400)}"
            if o.unexpected_count:
                detail = f"{o.unexpected_count} unexpected, e.g. {_short(o.unexpected_sample)}"
            parts.append(f"{o.expectation} {detail}".strip())
        return f"{self.suite.name}: FAILED " + "; ".join(parts)


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_suites(folder: Path, relations: Relations | None = None) -> list[Suite]:
    relations = relations or project_relations()
    return [Suite.load(p, relations) for p in sorted(folder.glob("*.json"))]


def _clean(value: Any) -> Any:
    """JSON-safe (Dagster metadata): NaN becomes null, timestamps text, samples at most 10."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        value = value[:10]
    return json.loads(json.dumps(value, default=str).replace("NaN", "null"))


@functools.cache
def shared_validator() -> Validator:
    """The process's one GX context: both gate steps of an in-process run share it (GX costs
    seconds to import and to set up a context)."""
    return Validator()


class Validator:
    """One ephemeral GX context for a batch of suites (importing GX alone takes seconds)."""

    def __init__(self) -> None:
        # With pyspark installed, GX probes Spark Connect on import, and pyspark's probe exits the
        # process when the main module looks like a doctest run, as in pytest-xdist and spawned
        # workers. The warehouse uses Spark's classic session only: Connect is kept out.
        sys.modules.setdefault("pyspark.sql.connect", None)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        # Ephemeral: nothing is written under uncommitted/, results are returned to Dagster.
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._source = self.context.data_sources.add_pandas("warehouse")

    def validate(self, suite: Suite, frame: pd.DataFrame) -> SuiteResult:
        from great_expectations.core.expectation_suite import ExpectationSuite

        gx_suite = ExpectationSuite(**json.loads(json.dumps(suite.definition)))
        asset = self._source.add_dataframe_asset(suite.name)
        try:
            batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
                batch_parameters={"dataframe": frame}
            )
            result = batch.validate(gx_suite)
        finally:  # the context outlives this suite: never leave its asset behind
            self._source.delete_asset(suite.name)
        outcomes = []
        for r in result.results:
            cfg = r.expectation_config
            column = cfg.kwargs.get("column") or cfg.kwargs.get("column_list") or ""
            label = f"{cfg.type}({column})" if column else cfg.type
            if cfg.meta.get("label"):
                label = f"{cfg.meta['label']} [{label}]"
            details = r.result or {}
            sample = details.get("partial_unexpected_list") or []
            if not r.success and cfg.type.startswith("expect_table_"):
                # a table-level failure says most by showing the rows themselves
                sample = frame.head(5).to_dict("records")
            outcomes.append(
                ExpectationOutcome(
                    expectation=label,
                    success=bool(r.success),
                    observed=_clean(details.get("observed_value")),
                    unexpected_count=details.get("unexpected_count"),
                    unexpected_sample=_clean(sample),
                )
            )
        return SuiteResult(suite, bool(result.success), len(frame), outcomes)
