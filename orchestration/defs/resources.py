"""Shared resources: the project's settings, read from the environment."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.settings import Settings


class C360Settings(dg.ConfigurableResource):
    """Where landing files, the raw layer and the warehouse live (see INTERFACE.md settings)."""

    landing_dir: str
    warehouse: str
    raw_dir: str
    target: str
    report_dir: str

    @classmethod
    def from_env(cls) -> C360Settings:
        s = Settings.from_env()
        return cls(landing_dir=str(s.landing_dir), warehouse=str(s.warehouse),
                   raw_dir=str(s.raw_dir), target=s.target, report_dir=str(s.report_dir))

    @property
    def paths(self) -> Settings:
        return Settings(Path(self.landing_dir), Path(self.warehouse), Path(self.raw_dir),
                        self.target, Path(self.report_dir))
