"""Extract: pull Stripe and Salesforce through their APIs into the landing directory.

Each asset writes a new delivery (see sources/pull) that the ingestion assets downstream read like
any hand-delivered export. The daily pipeline job leaves them out, so file deliveries alone keep
working; the `pull_and_pipeline` job pulls first, then runs the whole pipeline.
"""

import datetime as dt

import dagster as dg

from orchestration.defs.resources import C360Settings
from sources.pull import SOURCES, PullError, pull, pull_configured

GROUP = "extract"


def extract_key(source: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, source])


def extract_deps(landing_path: str) -> list[dg.AssetKey]:
    """The extract asset that feeds a landing entity (`billing/invoices` <- extract/stripe)."""
    system = landing_path.split("/", 1)[0]
    return [extract_key(s) for s, folder in SOURCES.items() if folder == system]


class PullConfig(dg.Config):
    full: bool = False  # pull everything again instead of the changes since the last pull
    delivery_date: str | None = None  # YYYY-MM-DD; default today (UTC)


def _extract_asset(source: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=extract_key(source),
        group_name=GROUP,
        kinds={"python", source},
        description=description,
    )
    def _extract(context: dg.AssetExecutionContext, config: PullConfig, settings: C360Settings):
        if not pull_configured(source):
            context.log.warning(f"{source}: not configured; nothing pulled")
            return dg.MaterializeResult(metadata={"status": "not configured"})
        try:
            date = dt.date.fromisoformat(config.delivery_date) if config.delivery_date else None
            result = pull(
                source,
                settings.paths.landing_dir,
                full=config.full,
                delivery_date=date,
                log=context.log.info,
            )
        except (PullError, ValueError) as exc:
            raise dg.Failure(description=str(exc)) from None
        return dg.MaterializeResult(
            metadata={
                "status": "pulled",
                "mode": "full" if result.full else "incremental",
                "delivery_date": result.delivery_date,
                **{f"count_{name}": n for name, n in result.counts.items()},
                "cursor": dg.MetadataValue.json(result.cursor),
                "files": dg.MetadataValue.json(result.files),
            }
        )

    return _extract


extract_assets = [
    _extract_asset(
        "stripe",
        "Stripe customers, subscriptions, invoices (with every line) and prices -> a new "
        "`billing/<entity>/<date>/` delivery.",
    ),
    _extract_asset(
        "salesforce",
        "Salesforce Account and Contact (queryAll: deletions included) -> a new "
        "`crm/<entity>/<date>/` delivery.",
    ),
]

pull_and_pipeline_job = dg.define_asset_job(
    "pull_and_pipeline",
    selection=dg.AssetSelection.all(),
    description="Pull Stripe and Salesforce (each when configured), then run the whole pipeline.",
)

daily_pull_and_pipeline = dg.ScheduleDefinition(
    name="daily_pull_and_pipeline",
    job=pull_and_pipeline_job,
    cron_schedule="30 5 * * *",
    execution_timezone="UTC",
    description="Pull Stripe and Salesforce, then run the whole pipeline, once a day.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

defs = dg.Definitions(
    assets=extract_assets, jobs=[pull_and_pipeline_job], schedules=[daily_pull_and_pipeline]
)
