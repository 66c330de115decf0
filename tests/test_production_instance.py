"""The production Dagster instance (deploy/dagster.production.yaml): its storage in PostgreSQL.

A real pipeline run on the fixture with that instance, against the local PostgreSQL server (a
database of its own): the run, its events, materializations and check results land in PostgreSQL,
where a webserver or daemon on another machine would read them.
"""

from __future__ import annotations

import shutil
import uuid

import dagster as dg
import pytest

from orchestration.settings import PROJECT_ROOT
from tests.conftest import SMALL_LANDING, point_settings_at

psycopg = pytest.importorskip("psycopg")
ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture
def production_instance(tmp_path, monkeypatch):
    try:
        admin = psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server reachable on 127.0.0.1:5432 ({exc})")
    name = f"c360_dagster_{uuid.uuid4().hex[:10]}"
    admin.execute(f"create database {name}")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.production.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_URL", f"postgresql://postgres@127.0.0.1:5432/{name}")
    monkeypatch.setenv("DAGSTER_COMPUTE_LOG_DIR", str(tmp_path / "compute_logs"))
    point_settings_at(tmp_path, monkeypatch, landing_from=SMALL_LANDING)
    yield name
    admin.execute(f"drop database if exists {name} with (force)")
    admin.close()


def test_pipeline_runs_with_instance_storage_on_postgres(production_instance: str) -> None:
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    from orchestration.outcome import PUBLISHED_KEY
    from orchestration.run import EXIT_PUBLISHED, execute, outcome_of

    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        result = execute(instance, log_level="WARNING")
        assert outcome_of(result).exit_code == EXIT_PUBLISHED
        # what another machine's webserver would show, read back through the instance
        record = instance.get_run_record_by_id(result.run_id)
        assert record is not None and record.dagster_run.is_success
        assert instance.get_latest_materialization_event(PUBLISHED_KEY) is not None

    # ... and it is in PostgreSQL, not in a local file
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={production_instance}") as con:
        runs = con.execute("select run_id, status from runs").fetchall()
        events = con.execute(
            "select count(*) from event_logs where run_id = %s", (result.run_id,)
        ).fetchone()[0]
    assert runs == [(result.run_id, "SUCCESS")]
    assert events > 50  # every step's start, output and success, materializations, check results
