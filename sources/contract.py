"""The landing contract (docs/sources.md) as data: which fields each entity has and their types.

Each source-system module (crm, billing, call_center, finance) declares its entities with these
classes; the reader and validator are generic over them, so a new entity is a declaration, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    import duckdb
    import pyarrow as pa

# How a field is typed in the contract, and so how its raw value is checked and converted.
FieldType = Literal[
    "string",  # JSON string / CSV text
    "integer",  # JSON integer / CSV integer
    "boolean",  # JSON boolean
    "number",  # JSON or CSV decimal
    "object",  # JSON object, kept as JSON text
    "sf_datetime",  # Salesforce datetime string: 2024-01-05T10:22:11.000+0000, stored as UTC
    "iso_datetime",  # ISO 8601 with an offset: 2025-03-04T09:15:02-05:00, stored as UTC
    "year_month",  # YYYY-MM, stored as the first day of the month
]


@dataclass(frozen=True)
class Field:
    """One field of a landing record.

    `path` is the JSON path for JSONL entities (defaults to the top-level name); CSV columns are
    matched by `name`. `column` is the raw-table column name (defaults to `name`).
    `alternatives` are further JSON paths of the same fact in other export versions (Stripe moved
    fields between API versions): the first path holding a non-null value is read. An alternative
    may be guarded, `(path, guard_path, guard_value)`: read only when the guard path holds that
    string (Stripe's `parent.type` says which of `parent`'s members is meant).
    `pattern`, `allowed`, `minimum` and `maximum` are record-level rules checked at ingestion: a
    value breaking one rejects its record, with a reason that quotes the value.
    `free_form` marks an object whose keys are the sender's own (Stripe `metadata`): its keys
    are never reported as unknown fields.
    """

    name: str
    type: FieldType
    required: bool = False
    path: str | None = None
    column: str | None = None
    alternatives: tuple[str | tuple[str, str, str], ...] = ()
    pattern: str | None = None  # a regular expression the whole value must match
    pattern_label: str = ""  # what the pattern means, for the reject reason
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    free_form: bool = False

    @property
    def json_path(self) -> str:
        return self.path or f"$.{self.name}"

    @property
    def json_sources(self) -> tuple[tuple[str, str | None, str | None], ...]:
        """Every place the field is read from, in order: (path, guard path, guard value)."""
        alts = [(a, None, None) if isinstance(a, str) else a for a in self.alternatives]
        return ((self.json_path, None, None), *alts)

    @property
    def raw_column(self) -> str:
        return self.column or self.name


@dataclass(frozen=True)
class ChildTable:
    """Records nested in an array of each parent record, flattened at ingestion into a raw table
    of their own so that no SQL downstream has to parse JSON arrays (Stripe invoice lines).

    The elements are validated with their parent: a bad element rejects the parent record, whose
    totals would no longer add up.
    """

    table: str  # raw table name
    array: str  # where the array sits in the parent record, e.g. `lines.data`
    parent_key: str  # the parent's raw column that identifies it
    parent_column: str  # the child table's column holding the parent's key
    index_column: str  # the child table's column holding the element's position (1-based)
    fields: tuple[Field, ...]  # paths relative to one element
    rules: tuple[tuple[str, str], ...] = ()  # as Entity.rules, over an element's fields
    description: str = ""

    @property
    def json_path(self) -> str:
        return f"$.{self.array}"


class Completion(Protocol):
    """Completes an entity's records at ingestion from entities ingested before it (Entity.needs),
    as `sources/stripe_lines.py` completes invoice lines from prices and paged line items."""

    def load_context(self, con: duckdb.DuckDBPyConnection, raw_dir: Path) -> str:
        """Load what completion reads from the raw layer into `con`; return its fingerprint."""
        ...

    def complete(
        self, con: duckdb.DuckDBPyConnection, typed: pa.Table
    ) -> tuple[pa.Table, pa.Table, bool]:
        """(records with `_reason` set on those now rejected, child rows of the valid ones,
        whether the loaded context was used)."""
        ...


@dataclass(frozen=True)
class Entity:
    """A landing entity: where its files land, how they are read and what a record must hold."""

    system: str  # crm, billing, call_center, finance
    name: str  # accounts, contacts, ...
    format: Literal["jsonl", "csv"]
    key: tuple[str, ...]  # fields that identify a record (latest delivery wins per key)
    fields: tuple[Field, ...]
    # SQL condition (over the parsed JSON `j`) under which required fields other than `key` may be
    # missing: a Stripe deleted-customer stub carries only its id.
    required_unless: str | None = None
    # Raw columns holding phone numbers as typed: ingestion adds `<column>_e164` beside each.
    phone_columns: tuple[str, ...] = ()
    description: str = ""
    # Also read CSV files (`*.csv`, `*.csv.gz`) in the entity's folders (Salesforce Bulk API and
    # Data Loader exports beside the REST API's JSON).
    csv_too: bool = False
    # Top-level keys that are envelope, not data (Salesforce REST `attributes`): neither read nor
    # reported as unknown.
    envelope: tuple[str, ...] = ()
    # Record-level rules across fields: (SQL condition that is true when the record is bad, SQL
    # expression of the reason). `{name}` stands for the typed value of field `name`.
    rules: tuple[tuple[str, str], ...] = ()
    # Raw table name when it differs from `<system>_<name>`.
    table_name: str | None = None
    # Records nested in an array of each record, flattened into a raw table of their own.
    child: ChildTable | None = None
    # Entities ingested before this one, because its completion reads them from the raw layer.
    needs: tuple[Entity, ...] = ()
    completion: Completion | None = None
    # False for an entity read only at ingestion, to complete others: the warehouse has no view
    # of it (Stripe prices and paged invoice line items).
    in_warehouse: bool = True

    @property
    def table(self) -> str:
        """Raw table name, e.g. `crm_accounts` (queryable as `raw.crm_accounts`)."""
        return self.table_name or f"{self.system}_{self.name}"

    @property
    def landing_path(self) -> str:
        return f"{self.system}/{self.name}"

    @property
    def suffixes(self) -> tuple[str, ...]:
        formats = (self.format, "csv") if self.csv_too else (self.format,)
        return tuple(s for f in formats for s in (f".{f}", f".{f}.gz"))

    @property
    def raw_tables(self) -> tuple[str, ...]:
        """Every raw table ingesting this entity writes: its own and its child table's."""
        return (self.table,) + ((self.child.table,) if self.child else ())

    def format_of(self, file_name: str) -> Literal["jsonl", "csv"]:
        """How a landing file of this entity is read, by its name."""
        return "csv" if file_name.endswith((".csv", ".csv.gz")) else self.format
