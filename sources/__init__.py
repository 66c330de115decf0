"""Source systems: how each system's landing files are found, parsed, validated and typed."""

from sources import billing, call_center, crm, finance
from sources.contract import Entity, Field
from sources.raw_tables import RawTable, warehouse_tables

ENTITIES: tuple[Entity, ...] = (
    crm.ENTITIES + billing.ENTITIES + call_center.ENTITIES + finance.ENTITIES
)
ENTITIES_BY_TABLE: dict[str, Entity] = {e.table: e for e in ENTITIES}
# What the warehouse reads of the raw layer (dbt's raw sources declare the same tables).
RAW_TABLES: tuple[RawTable, ...] = warehouse_tables(ENTITIES)

__all__ = ["ENTITIES", "ENTITIES_BY_TABLE", "RAW_TABLES", "Entity", "Field", "RawTable"]
