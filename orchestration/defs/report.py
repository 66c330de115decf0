"""The CCO scorecard as an asset: re-rendered after every publication of the KPIs."""

import dagster as dg

from orchestration.defs.dbt import WAREHOUSE_POOL
from orchestration.defs.resources import C360Settings
from orchestration.report import write_report

PUBLISHED_KPIS = dg.AssetKey(["published", "cco_kpi_monthly"])


@dg.asset(
    key=dg.AssetKey(["report", "cco_scorecard"]),
    group_name="report",
    deps=[PUBLISHED_KPIS],
    kinds={"html"},
    # it only reads the warehouse, but a read-only open fails while a writer holds the file
    pool=WAREHOUSE_POOL,
    description="The CCO scorecard (self-contained HTML): the latest month's validated KPIs, "
    "the MRR bridge, the customers at risk, and whether the numbers are current.",
)
def cco_scorecard(
    context: dg.AssetExecutionContext, settings: C360Settings
) -> dg.MaterializeResult:
    path = write_report(settings.paths)
    context.log.info(f"wrote the CCO scorecard to {path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "bytes": path.stat().st_size,
        }
    )


defs = dg.Definitions(assets=[cco_scorecard])
