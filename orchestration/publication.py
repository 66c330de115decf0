"""Publication as one recoverable unit: the published table, its audit row, the serving copy.

The publish step replaces `published.cco_kpi_monthly`, then records the publication in
`audit.publication_log`, then refreshes the BI serving copy. A run that dies between those steps
leaves them out of step. The next run calls `complete_interrupted_publication` before it starts:
the KPIs in the published table passed their gates (only an audited run can replace them), so the
missing parts are redone for them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.settings import Settings
from orchestration.warehouse import query_frame


def complete_interrupted_publication(settings: Settings) -> list[str]:
    published = _published_run(settings)
    if published is None:
        return []
    run_id, rows = published
    done = []
    if not _audited(settings, run_id):
        from orchestration.audit import record_publication
        from sources import ENTITIES
        from sources.landing import as_of_date

        record_publication(
            settings,
            run_id,
            "published",
            None,  # what the publishing run's checks found died with it
            rows,
            as_of_date(settings.landing_dir, ENTITIES),
            f"published {rows} KPI rows (recorded by the next run: the publishing run stopped "
            "before it logged the publication)",
        )
        done.append(f"recovered: logged the publication of run {run_id} in audit.publication_log")
    if settings.target == "duckdb" and _served_run(settings) != run_id:
        from orchestration.serving import refresh_serving_copy

        refresh_serving_copy(settings)
        done.append(f"recovered: refreshed the BI serving copy with the KPIs of run {run_id}")
    return done


def _published_run(settings: Settings) -> tuple[str, int] | None:
    if settings.target == "duckdb" and not settings.warehouse.exists():
        return None
    try:
        frame = query_frame(
            settings,
            "select run_id, count(*) over () as n from published.cco_kpi_monthly "
            "order by published_at desc limit 1",
        )
    except Exception:  # noqa: BLE001 - nothing published yet (no schema, no table)
        return None
    if frame.empty or frame["run_id"][0] is None:
        return None
    return str(frame["run_id"][0]), int(frame["n"][0])


def _audited(settings: Settings, run_id: str) -> bool:
    try:
        frame = query_frame(
            settings,
            "select count(*) as n from audit.publication_log "
            f"where outcome = 'published' and run_id = '{run_id.replace(chr(39), '')}'",
        )
    except Exception:  # noqa: BLE001 - no audit table yet
        return False
    return bool(frame["n"][0])


def _served_run(settings: Settings) -> str | None:
    from orchestration.serving import serving_path

    path: Path = serving_path(settings)
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute("select published_run_id from main.serving_refresh").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None
