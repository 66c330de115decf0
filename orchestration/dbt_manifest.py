"""The dbt manifest Dagster builds the warehouse assets from: a precondition of loading them.

Loading the Definitions only reads the manifest. It is made (dbt parses the project) by the entry
points, before they load the Definitions: `make install`, the `c360` CLI, the tests' session
setup, the benchmark, and `dagster dev` through dagster-dbt's `prepare_if_dev()`. By hand:
`python -m orchestration.dbt_manifest`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, Settings, environment

PREPARE_COMMAND = "make install (or: python -m orchestration.dbt_manifest)"

log = logging.getLogger(__name__)


def dbt_executable() -> str:
    """dbt runs as a subprocess: the one installed beside this interpreter, so that it is found
    when the virtualenv is not activated (`.venv/bin/c360 run`), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


# No fixed target: profiles.yml picks it from C360_TARGET when dbt runs.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@contextmanager
def parse_environment() -> Iterator[None]:
    """What dagster-dbt's parse runs with: the settings a run gives dbt, this interpreter's dbt."""
    # the settings: so that the runs' dbt can parse only what changed (dbt parses everything
    # again when the profile it renders differs)
    # dagster-dbt's preparer runs the `dbt` on PATH: put the one beside this interpreter first
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    with environment({**Settings.from_env().environment(), "PATH": path}):
        yield


class ManifestMissing(RuntimeError):
    """The Definitions were loaded before any entry point prepared the dbt manifest."""


def manifest_is_current(project: DbtProject = dbt_project) -> bool:
    """The manifest exists and no project file changed after it was written."""
    manifest = project.manifest_path
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    return all(
        p.stat().st_mtime <= built
        for p in Path(project.project_dir).rglob("*")
        if p.suffix in {".sql", ".yml", ".yaml", ".csv"} and "target" not in p.parts
    )


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file."""
    if not manifest_is_current(project):
        # dagster-dbt locks the manifest: a second process waits, then finds it parsed
        with parse_environment():
            project.preparer.prepare(project)
    return project.manifest_path


def require_manifest(project: DbtProject = dbt_project) -> Path:
    """The manifest to load the Definitions from; a clear error, saying how to make it, if none.

    Under `dagster dev` it is parsed first, as dagster-dbt does for a project in development.
    """
    if project.preparer.using_dagster_dev():
        with parse_environment():
            project.prepare_if_dev()
    manifest = project.manifest_path
    if not manifest.exists():
        raise ManifestMissing(
            f"no dbt manifest at {manifest}: the Definitions are built from it. "
            f"Make it with: {PREPARE_COMMAND}"
        )
    if not manifest_is_current(project):
        log.warning(
            "the dbt manifest %s is older than the dbt project: the assets follow the project as "
            "it was parsed. Parse it again with: %s",
            manifest,
            PREPARE_COMMAND,
        )
    return manifest


if __name__ == "__main__":
    print(f"dbt manifest: {ensure_manifest()}")
