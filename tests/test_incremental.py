"""Incremental runs give the warehouse a cold rebuild gives, day after day, late facts included.

The small fixture's landing is day 0; five daily deliveries follow, written here, each with a fact
that arrives late and changes what was already built:
  day 1  an invoice re-delivered with another status (Acme's overdue October invoice, now paid);
  day 2  deletions: a Salesforce account re-delivered with IsDeleted (Globex), a Stripe deleted
         stub for a billing customer (cus_piper);
  day 3  back-dated invoices: Wayne's for August (its churn month), and Ghost's for May, a month
         before the first reported one;
  day 4  a call that makes an earlier call a repeat (Stark calls again 3 days after C-0603);
  day 5  a new contact whose email is Hooli's billing email: the billing_only customer Hooli and
         the Pied Piper account become one customer.
After each day the real ingestion (landing files -> raw Parquet) brings the raw layer up to date;
one warehouse is built incrementally (`dbt build`, kept from day to day) and one cold (a fresh
warehouse on the same raw layer), and every row of every mart must be the same in both.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import duckdb

from orchestration.dbt_manifest import dbt_executable
from orchestration.defs.dbt import dbt_environment
from orchestration.settings import DBT_PROJECT_DIR, Settings
from sources import ENTITIES
from sources.ingest import ingest_entity
from tests.conftest import SMALL_LANDING, write_jsonl, write_text
from tests.samples import CALLS_HEADER, invoice

DAY_0 = dt.date(2026, 11, 3)  # the small fixture's as-of date (its latest delivery)
ACME, GLOBEX, PIPER = "crm:001Qx00000Acme1", "crm:001Qx00000Glbx2", "crm:001Qx00000Pipr1"
HOOLI, STARK, WAYNE = "billing:cus_hooli", "crm:001Qx00000Strk5", "crm:001Qx00000WaynB"


def _epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


def _delivered(landing: Path, entity: str, record_id: str, key: str = "id") -> dict:
    """The latest delivered version of a JSON record in the landing tree."""
    found = None
    for path in sorted((landing / entity).glob("*/*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record.get(key) == record_id:
                found = record
    assert found is not None, (entity, record_id)
    return found


def day_1(landing: Path, day: str) -> None:
    invoice = _delivered(landing, "billing/invoices", "in_acme_2610")
    assert invoice["status"] == "open"
    invoice.update(
        status="paid",
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        status_transitions={"paid_at": _epoch("2026-11-04")},
    )
    write_jsonl(landing, "billing/invoices", day, "invoices.jsonl", [invoice])


def day_2(landing: Path, day: str) -> None:
    account = _delivered(landing, "crm/accounts", "001Qx00000Glbx2IAB", key="Id")
    account.update(IsDeleted=True, LastModifiedDate="2026-11-05T08:00:00.000+0000")
    write_jsonl(landing, "crm/accounts", day, "accounts.jsonl", [account])
    stub = {"id": "cus_piper", "object": "customer", "deleted": True}
    write_jsonl(landing, "billing/customers", day, "customers.jsonl", [stub])


def day_3(landing: Path, day: str) -> None:
    invoices = [
        invoice(
            "in_wayne_2608_late", "cus_wayne", 9900, _epoch("2026-08-01"), _epoch("2026-09-01")
        ),
        invoice(
            "in_ghost_2605_late", "cus_ghost", 5000, _epoch("2026-05-01"), _epoch("2026-06-01")
        ),
    ]
    write_jsonl(landing, "billing/invoices", day, "invoices.jsonl", invoices)


def day_4(landing: Path, day: str) -> None:
    # C-0603 (Stark, resolved, ended 2026-06-10 15:04:20Z) was first-contact resolved: its only
    # later call started 7 days and 1 second after. This call arrives late, 3 days after it.
    call = (
        "C-0603-R,inbound,+1 415 555 0100,,general,A02,2026-06-13T11:00:00-04:00,"
        "2026-06-13T11:00:10-04:00,2026-06-13T11:03:10-04:00,10,resolved\n"
    )
    write_text(landing, "call_center/calls", day, "calls.csv", CALLS_HEADER + call)


def day_5(landing: Path, day: str) -> None:
    contact = {
        "Id": "003Qx00000Ct099IAB",
        "AccountId": "001Qx00000Pipr1IAB",
        "FirstName": "Gavin",
        "LastName": "Belson",
        "Email": "Gavin@Hooli.com",
        "Phone": None,
        "CreatedDate": "2026-11-08T09:00:00.000+0000",
        "LastModifiedDate": "2026-11-08T09:00:00.000+0000",
        "IsDeleted": False,
    }
    write_jsonl(landing, "crm/contacts", day, "contacts.jsonl", [contact])


DAYS = (day_1, day_2, day_3, day_4, day_5)


def ingest(settings: Settings) -> None:
    """The real ingestion: the raw layer brought in line with the landing files."""
    for entity in ENTITIES:  # in order: an entity that needs others comes after them
        ingest_entity(settings.landing_dir, settings.raw_dir, entity, run_id="incremental-test")


def dbt(settings: Settings, *args: str) -> None:
    """A dbt command on the warehouse of `settings`, told what the pipeline tells it.

    In its own process, as the pipeline runs it: dbt's DuckDB connection stays open in the
    process that ran it, and the comparison reads both warehouses afterwards."""
    settings.make_warehouse_dir()
    target = DBT_PROJECT_DIR / "target" / f"test_incremental_{settings.warehouse.parent.name}"
    argv = [dbt_executable(), *args, "--target-path", str(target)]
    env = {**os.environ, **dbt_environment(settings)}
    done = subprocess.run(
        argv, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, (args, done.stdout[-4000:], done.stderr[-2000:])


def mart_tables(settings: Settings) -> list[str]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.sql(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name"
        ).fetchall()
    return [name for (name,) in rows]


def contents(settings: Settings, table: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.sql(f"select * from marts.{table} order by all").fetchall()


def same_row(a: tuple, b: tuple) -> bool:
    def same(x, y) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
        return x == y

    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


def differences(incremental: Settings, cold: Settings) -> dict[str, object]:
    tables = mart_tables(cold)
    assert "kpi_monthly" in tables and mart_tables(incremental) == tables
    out: dict[str, object] = {}
    for table in tables:
        inc, ref = contents(incremental, table), contents(cold, table)
        if len(inc) != len(ref):
            out[table] = f"{len(inc)} rows incremental, {len(ref)} cold"
            continue
        bad = [(a, b) for a, b in zip(inc, ref, strict=True) if not same_row(a, b)]
        if bad:
            out[table] = bad[:3]
    return out


# What each late fact must change, read from the marts.
OBSERVED = {
    "acme_overdue_oct": "select has_overdue_invoice from marts.fct_customer_health_monthly "
    f"where customer_id = '{ACME}' and month = date '2026-10-01'",
    "globex_customer": f"select count(*) from marts.dim_customer where customer_id = '{GLOBEX}'",
    "globex_billing": "select customer_id from marts.customer_identity_map "
    "where source_id = 'cus_globex'",
    "piper_status": "select anchor_billing_status from marts.dim_customer "
    "where customer_id = 'billing:cus_piper'",
    "wayne_aug_mrr": "select mrr_usd from marts.fct_customer_mrr_monthly "
    f"where customer_id = '{WAYNE}' and month = date '2026-08-01'",
    "first_month": "select min(month) from marts.kpi_monthly",
    "c0603_fcr": "select is_fcr from marts.fct_calls where call_id = 'C-0603'",
    "hooli_billing": "select customer_id from marts.customer_identity_map "
    "where source_id = 'cus_hooli'",
    "hooli_customer": f"select count(*) from marts.dim_customer where customer_id = '{HOOLI}'",
}


def observe(settings: Settings) -> dict[str, object]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {what: con.sql(sql).fetchone()[0] for what, sql in OBSERVED.items()}


# What each day must change (before, after) in what `observe` reads: the late fact took effect.
CHANGES = {
    1: {"acme_overdue_oct": (True, False)},
    2: {
        "globex_customer": (1, 0),
        "globex_billing": (GLOBEX, "billing:cus_globex"),
        "piper_status": ("delivered", "deleted"),
    },
    3: {"wayne_aug_mrr": (0.0, 99.0), "first_month": (dt.date(2026, 6, 1), dt.date(2026, 5, 1))},
    4: {"c0603_fcr": (True, False)},
    5: {"hooli_billing": (HOOLI, PIPER), "hooli_customer": (1, 0)},
}


def settings_for(folder: Path, landing: Path, raw_dir: Path) -> Settings:
    return Settings(
        landing_dir=landing,
        warehouse=folder / "c360.duckdb",
        raw_dir=raw_dir,
        target="duckdb",
        report_dir=folder / "reports",
    )


def test_incremental_days_equal_cold_rebuilds(tmp_path: Path) -> None:
    landing, raw_dir = tmp_path / "landing", tmp_path / "raw"
    shutil.copytree(SMALL_LANDING, landing)
    incremental = settings_for(tmp_path / "incremental", landing, raw_dir)
    ingest(incremental)
    dbt(incremental, "build")
    seen = observe(incremental)
    for number, write_day in enumerate(DAYS, start=1):
        day = (DAY_0 + dt.timedelta(days=number)).isoformat()
        write_day(landing, day)
        ingest(incremental)
        dbt(incremental, "build")  # with every dbt test, on the incrementally built tables
        cold = settings_for(tmp_path / f"cold_{number}", landing, raw_dir)
        dbt(cold, "build", "--exclude-resource-type", "test", "unit_test")
        assert differences(incremental, cold) == {}, f"day {number} ({write_day.__name__})"
        now = observe(incremental)
        for what, (before, after) in CHANGES[number].items():
            assert (seen[what], now[what]) == (before, after), (number, what)
        seen = now
    # a full refresh of the incrementally built warehouse is a cold rebuild again
    dbt(incremental, "build", "--full-refresh", "--exclude-resource-type", "test", "unit_test")
    assert differences(incremental, cold) == {}
