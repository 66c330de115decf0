"""Settings from the environment (README, "Settings"), with defaults that make the embedded setup work."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# DuckDB may use this much memory per process (dbt's, the gates', the serving copy's) before it
# spills to a temp directory beside the file; without a limit it takes up to 80 % of the RAM.
# dbt_project/profiles.yml repeats it for a dbt run by hand (a test checks they agree).
DUCKDB_MEMORY_LIMIT = "2GB"


def duckdb_config() -> dict[str, str]:
    """DuckDB's memory limit and threads (C360_DUCKDB_MEMORY_LIMIT, C360_DUCKDB_THREADS)."""
    return {
        "memory_limit": os.environ.get("C360_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT,
        "threads": os.environ.get("C360_DUCKDB_THREADS") or str(os.cpu_count() or 1),
    }


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path  # the DuckDB warehouse file
    raw_dir: Path  # Parquet raw layer; by default beside the warehouse file, named after it
    target: str  # dbt target: duckdb, postgres or spark
    report_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        def path(var: str, default: str) -> Path:
            return Path(os.environ.get(var) or default).expanduser().resolve()

        warehouse = path("C360_WAREHOUSE", "data/warehouse/c360.duckdb")
        return cls(
            landing_dir=path("C360_LANDING_DIR", "data/landing"),
            warehouse=warehouse,
            raw_dir=path("C360_RAW_DIR", str(default_raw_dir(warehouse))),
            target=os.environ.get("C360_TARGET") or "duckdb",
            report_dir=path("C360_REPORT_DIR", "data/reports"),
        )

    def environment(self) -> dict[str, str]:
        """The settings as dbt's profile reads them: resolved absolute paths, DuckDB's limits."""
        config = duckdb_config()
        return {
            "C360_LANDING_DIR": str(self.landing_dir),
            "C360_WAREHOUSE": str(self.warehouse),
            "C360_RAW_DIR": str(self.raw_dir),
            "C360_TARGET": self.target,
            "C360_REPORT_DIR": str(self.report_dir),
            "C360_DUCKDB_MEMORY_LIMIT": config["memory_limit"],
            "C360_DUCKDB_THREADS": config["threads"],
            "C360_SPARK_WAREHOUSE": str(self.spark_warehouse),
        }

    @property
    def spark_warehouse(self) -> Path:
        """The Spark target's tables (`<schema>.db/<table>/`) and dbt's catalog of them: beside
        the warehouse file and named after it, as the raw layer is."""
        return self.warehouse.parent / f"{self.warehouse.stem}_spark"

    def make_warehouse_dir(self) -> None:
        """The warehouse file's folder, which dbt expects to exist (it creates only the file)."""
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block (e.g. while starting dbt).

    The settings reach dbt only this way (`dbt_environment`): nothing is exported for good, so
    one process can run steps on different settings, and a test's settings end with the test."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def default_raw_dir(warehouse: Path) -> Path:
    """`data/warehouse/c360.duckdb` -> `data/warehouse/c360_raw`: named after the warehouse file,
    so two warehouses in one folder never share (or prune) one raw layer."""
    return warehouse.parent / f"{warehouse.stem}_raw"
