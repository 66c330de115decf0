"""The landing contract (SOURCES.md) as data: which fields each entity has and their types.

Each source-system module (crm, billing, call_center, finance) declares its entities with these
classes; the reader and validator are generic over them, so a new entity is a declaration, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    """

    name: str
    type: FieldType
    required: bool = False
    path: str | None = None
    column: str | None = None

    @property
    def json_path(self) -> str:
        return self.path or f"$.{self.name}"

    @property
    def raw_column(self) -> str:
        return self.column or self.name


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

    @property
    def table(self) -> str:
        """Raw table name, e.g. `crm_accounts` (queryable as `raw.crm_accounts`)."""
        return f"{self.system}_{self.name}"

    @property
    def landing_path(self) -> str:
        return f"{self.system}/{self.name}"

    @property
    def suffixes(self) -> tuple[str, ...]:
        return (f".{self.format}", f".{self.format}.gz")
