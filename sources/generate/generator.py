"""Orchestrates one generation run: customers in chunks, every source system, the writer.

Customers are generated in fixed-size chunks, each with its own random streams
(SeedSequence(seed, spawn_key=(chunk,)).spawn(...), one per system), so memory stays
bounded at any scale and the output depends only on the arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from .billing import build_billing
from .calendar import Calendar
from .call_center import CALL_COLUMNS, SURVEY_COLUMNS, build_calls
from .crm import build_crm
from .finance import FX_COLUMNS, build_fx_rates
from .landing import Entity, LandingWriter, inject_bad_lines
from .lifecycle import build_lifecycle
from .population import build_population
from .versions import assign_deliveries

CHUNK_CUSTOMERS = 50_000
_AGENT_PER_CUSTOMERS = 400

ACCOUNTS = Entity(
    "crm/accounts",
    gzip_initial_load=True,
    missing_field=r'"CreatedDate":"[^"]*",',
    wrong_type=(r'"IsDeleted":(?:true|false)', '"IsDeleted":"no"'),
)
CONTACTS = Entity(
    "crm/contacts",
    gzip_initial_load=True,
    missing_field=r'"CreatedDate":"[^"]*",',
    wrong_type=(r'"IsDeleted":(?:true|false)', '"IsDeleted":0'),
)
CUSTOMERS = Entity(
    "billing/customers",
    gzip_initial_load=True,
    success_marker=True,
    missing_field=r'"created":\d+,',
    wrong_type=(r'"created":\d+', '"created":"yesterday"'),
)
SUBSCRIPTIONS = Entity(
    "billing/subscriptions",
    gzip_initial_load=True,
    success_marker=True,
    missing_field=r'"customer":"[^"]*",',
    wrong_type=(r'"created":\d+', '"created":"yesterday"'),
)
INVOICES = Entity(
    "billing/invoices",
    success_marker=True,
    missing_field=r'"customer":"[^"]*",',
    wrong_type=(r'"amount_due":\d+', '"amount_due":"12.50"'),
)
CALLS = Entity("call_center/calls", csv_columns=tuple(CALL_COLUMNS))
SURVEYS = Entity("call_center/surveys", csv_columns=tuple(SURVEY_COLUMNS))
FX_RATES = Entity("finance/fx_rates", csv_columns=tuple(FX_COLUMNS))
ENTITIES = (ACCOUNTS, CONTACTS, CUSTOMERS, SUBSCRIPTIONS, INVOICES, CALLS, SURVEYS, FX_RATES)

# Independent random streams per chunk, so that changing one system leaves the others alone.
_STREAMS = 7
_POPULATION, _LIFECYCLE, _CRM, _BILLING, _CALLS, _DELIVERY, _CORRUPT = range(_STREAMS)
_FX_CHUNK = 2**31  # the FX feed is generated once, outside the customer chunks


def generate(
    out_dir: Path,
    customers: int = 1000,
    months: int = 12,
    seed: int = 42,
    as_of: dt.date = dt.date(2026, 11, 1),
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write synthetic landing data into out_dir; return a summary {entity: record_count, ...}.

    record_count is the number of lines (JSON) or data rows (CSV) written for the entity,
    re-deliveries and deliberate bad lines included. `progress(done, customers)` is called
    after each chunk of customers.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    out_dir = Path(out_dir)
    _refuse_existing(out_dir)
    cal = Calendar.build(as_of, months)
    writer = LandingWriter(out_dir, cal)
    agents = max(20, customers // _AGENT_PER_CUSTOMERS)
    invoice_offset = line_offset = 0

    for chunk, start in enumerate(range(0, customers, CHUNK_CUSTOMERS)):
        streams = np.random.SeedSequence(seed, spawn_key=(chunk,)).spawn(_STREAMS)
        rng = [np.random.default_rng(s) for s in streams]
        emit = _Emitter(writer, cal, rng[_DELIVERY], rng[_CORRUPT], first_chunk=chunk == 0)

        size = min(CHUNK_CUSTOMERS, customers - start)
        pop = build_population(rng[_POPULATION], cal, start, size)
        life = build_lifecycle(rng[_LIFECYCLE], pop, cal)
        crm = build_crm(rng[_CRM], pop, life, cal)
        emit(ACCOUNTS, crm.accounts)
        emit(CONTACTS, crm.contacts)
        billing = build_billing(
            rng[_BILLING], pop, life, cal, crm.account_id, invoice_offset, line_offset
        )
        del crm
        invoice_offset += billing.invoice_count
        line_offset += billing.line_count
        emit(CUSTOMERS, billing.customers)
        emit(SUBSCRIPTIONS, billing.subscriptions)
        emit(INVOICES, billing.invoices)
        calls = build_calls(rng[_CALLS], pop, life, cal, billing.customer_id, agents)
        del billing
        emit(CALLS, calls.calls)
        emit(SURVEYS, calls.surveys)
        del calls
        if progress is not None:
            progress(start + size, customers)

    fx_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_FX_CHUNK, 0)))
    fx = assign_deliveries(build_fx_rates(fx_rng, cal), cal, fx_rng, late_share=0.0)
    # One finance extract came with its columns in another order (matched by name).
    reordered = fx["_delivery"] == fx["_delivery"].max()
    writer.write(FX_RATES, fx.filter(~reordered))
    writer.write(
        Entity(FX_RATES.name, csv_columns=("currency", "usd_per_unit", "month")),
        fx.filter(reordered),
    )
    return writer.close()


class _Emitter:
    """Delivers one chunk's record versions of an entity and hands them to the writer."""

    def __init__(
        self,
        writer: LandingWriter,
        cal: Calendar,
        delivery_rng: np.random.Generator,
        corrupt_rng: np.random.Generator,
        first_chunk: bool,
    ) -> None:
        self.writer, self.cal = writer, cal
        self.delivery_rng, self.corrupt_rng = delivery_rng, corrupt_rng
        # Only the first chunk guarantees a bad line per JSON entity (small runs need one too).
        self.minimum_bad = 1 if first_chunk else 0

    def __call__(self, entity: Entity, versions: pl.DataFrame) -> None:
        delivered = assign_deliveries(versions, self.cal, self.delivery_rng)
        if entity.is_json:
            delivered = inject_bad_lines(entity, delivered, self.corrupt_rng, self.minimum_bad)
        self.writer.write(entity, delivered)


def _refuse_existing(out_dir: Path) -> None:
    """Never mix a new landing with files of an earlier one (writers append)."""
    for system in {entity.name.split("/")[0] for entity in ENTITIES}:
        folder = out_dir / system
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(
                f"{folder} is not empty: generate into an empty landing directory"
            )
