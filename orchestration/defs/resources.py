"""Shared resources: the project's settings."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.settings import Settings, default_raw_dir


class C360Settings(dg.ConfigurableResource):
    """Where landing files, the raw layer and the warehouse live (the README's settings).

    Unset fields are read from the environment when a step runs (not when the code loads), so
    `c360 run`, the Dagster UI and the tests all follow C360_* variables without re-loading.
    """

    landing_dir: str | None = None
    warehouse: str | None = None
    raw_dir: str | None = None

    @property
    def paths(self) -> Settings:
        env = Settings.from_env()
        warehouse = Path(self.warehouse) if self.warehouse else env.warehouse
        return Settings(
            landing_dir=Path(self.landing_dir) if self.landing_dir else env.landing_dir,
            warehouse=warehouse,
            raw_dir=Path(self.raw_dir)
            if self.raw_dir
            else (env.raw_dir if not self.warehouse else default_raw_dir(warehouse)),
            target=env.target,
            report_dir=env.report_dir,
        )
