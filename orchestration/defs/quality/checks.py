"""The quality gates: every suite in `expectations/` as an asset check of the table it validates.

Each check also depends on every other table its query reads, so the UI shows a gate beside its
data and Dagster runs it once that data is built. Two definitions, each run as one step:
- `raw_layer_gates`, the suites on raw tables, right after ingestion (a blocking one that fails
  stops the warehouse build reading them);
- `quality_gates`, the suites on the warehouse, after the build.
Two and not one, because one definition reading both ends of the dbt build makes Dagster split
the build itself into steps; and not one per suite, because GX costs seconds to import and each
step re-imports code under the multiprocess executor.
Suites marked blocking stop `published/cco_kpi_monthly` (orchestration/defs/publish/assets.py),
whichever table they are attached to.
"""

import dagster as dg

from orchestration.audit import record_gate_results
from orchestration.defs.dbt import WAREHOUSE_POOL
from orchestration.defs.quality.acknowledgements import (
    IN_FORCE_TABLE,
    AcknowledgementError,
    acknowledgement_file,
    record_acknowledgements,
)
from orchestration.defs.quality.gx_bridge import (
    SuiteResult,
    load_suites,
    shared_validator,
)
from orchestration.defs.quality.raw_layer import raw_layer_frame, reads_raw_layer_only
from orchestration.defs.resources import C360Settings
from orchestration.settings import EXPECTATIONS_DIR
from orchestration.warehouse import query_frame

SUITES = load_suites(EXPECTATIONS_DIR)


def _on_raw_layer(suite) -> bool:
    return reads_raw_layer_only([r.sql_name for r in suite.reads])


RAW_LAYER_SUITES = [s for s in SUITES if _on_raw_layer(s)]
WAREHOUSE_SUITES = [s for s in SUITES if not _on_raw_layer(s)]


def _spec(suite) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=suite.name,
        asset=dg.AssetKey(list(suite.asset)),
        additional_deps=suite.other_reads,
        blocking=suite.blocking,
        description=suite.description,
    )


def _metadata(result: SuiteResult) -> dict:
    return {
        "suite_file": dg.MetadataValue.path(str(result.suite.path)),
        "rows_validated": result.rows_validated,
        "expectations": len(result.outcomes),
        "failed_expectations": dg.MetadataValue.json(
            [
                {
                    "expectation": o.expectation,
                    "observed": o.observed,
                    "unexpected_count": o.unexpected_count,
                    "unexpected_sample": o.unexpected_sample,
                }
                for o in result.failures
            ]
        ),
        "summary": dg.MetadataValue.text(result.summary()),
    }


def _gates(name: str, suites: list) -> dg.AssetChecksDefinition:
    """One step of gates: the given suites, as subsettable checks in the warehouse's pool."""

    @dg.multi_asset_check(
        specs=[_spec(s) for s in suites], name=name, pool=WAREHOUSE_POOL, can_subset=True
    )
    def gates(context: dg.AssetCheckExecutionContext, settings: C360Settings):
        yield from run_gates(context, settings, suites)

    return gates


raw_layer_gates = _gates("raw_layer_gates", RAW_LAYER_SUITES)
quality_gates = _gates("quality_gates", WAREHOUSE_SUITES)


def run_gates(context: dg.AssetCheckExecutionContext, settings: C360Settings, suites: list):
    paths = settings.paths
    selected = {key.name for key in context.selected_asset_check_keys}
    # the acknowledgements are recorded once, by the step whose suites read them
    if any(reads_acknowledgements(s) for s in suites if s.name in selected):
        apply_acknowledgements(context, paths)
    chosen = [s for s in suites if s.name in selected]
    frames = {s.name: _query(paths, s) for s in chosen}  # SQL: aggregates and samples, small
    validator = shared_validator()
    results: list[SuiteResult] = []
    for suite in chosen:
        frame = frames[suite.name]
        try:
            if isinstance(frame, Exception):
                raise frame
            result = validator.validate(suite, frame)
        except Exception as exc:  # noqa: BLE001 - a suite that cannot run fails closed, with the reason
            result = SuiteResult(suite, False, 0, [], error=f"{type(exc).__name__}: {exc}")
        results.append(result)
        log = context.log.info if result.success else context.log.error
        log(result.summary())
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(list(suite.asset)),
            check_name=suite.name,
            passed=result.success,
            metadata=_metadata(result),
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
        )
    record_gate_results(
        paths,
        context.run.run_id,
        [
            {
                "suite": r.suite.name,
                "asset": "/".join(r.suite.asset),
                "blocking": r.suite.blocking,
                "passed": r.success,
                "rows_validated": r.rows_validated,
                "summary": r.summary(),
                "failures": [o.__dict__ for o in r.failures],
            }
            for r in results
        ],
    )
    # A blocked run's outcome is recorded once the run has finished (orchestration/outcome.py),
    # together with any dbt test that failed.


def _query(paths, suite):
    """The suite's table, or the error that stopped its query (reported as its failure)."""
    try:
        if _on_raw_layer(suite):
            return raw_layer_frame(paths, suite.query)
        return query_frame(paths, suite.query)
    except Exception as exc:  # noqa: BLE001 - the suite fails closed with it, see run_gates
        return exc


def reads_acknowledgements(suite) -> bool:
    return any(r.sql_name.endswith(f'"{IN_FORCE_TABLE}"') for r in suite.reads)


def apply_acknowledgements(context: dg.AssetCheckExecutionContext, paths) -> None:
    """Load the reviewed KPI-movement acknowledgements before the gates read them."""
    try:
        applied = record_acknowledgements(paths, context.run.run_id)
    except AcknowledgementError as exc:
        raise dg.Failure(description=f"cannot apply KPI movement acknowledgements: {exc}") from exc
    if applied:
        context.log.info(
            f"{applied} acknowledged KPI movement(s) in force ({acknowledgement_file()})"
        )


defs = dg.Definitions(asset_checks=[raw_layer_gates, quality_gates])
