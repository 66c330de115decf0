"""The new-deliveries sensor starts a run once per new set of delivery folders."""

import dagster as dg

from orchestration.defs.schedules import new_deliveries
from tests.conftest import write_text


def test_sensor_requests_a_run_for_new_delivery_folders(c360_env) -> None:
    landing = c360_env.landing_dir
    write_text(landing, "finance/fx_rates", "2026-11-01", "fx.csv", "month,currency,usd_per_unit\n")
    write_text(landing, "finance/fx_rates", "2026-11-01", "_SUCCESS", "")

    first = new_deliveries(dg.build_sensor_context(cursor=None))
    assert isinstance(first, dg.RunRequest)
    cursor = '["finance/fx_rates/2026-11-01"]'

    assert isinstance(new_deliveries(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)

    write_text(landing, "crm/accounts", "2026-11-02", "a.jsonl", "{}\n")
    again = new_deliveries(dg.build_sensor_context(cursor=cursor))
    assert isinstance(again, dg.RunRequest)
    assert again.tags["c360/new_deliveries"] == "crm/accounts/2026-11-02"
