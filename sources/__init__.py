"""Source systems: how each system's landing files are found, parsed, validated and typed."""

from sources import billing, call_center, crm, finance
from sources.contract import Entity, Field

ENTITIES: tuple[Entity, ...] = (
    crm.ENTITIES + billing.ENTITIES + call_center.ENTITIES + finance.ENTITIES
)
ENTITIES_BY_TABLE: dict[str, Entity] = {e.table: e for e in ENTITIES}

__all__ = ["ENTITIES", "ENTITIES_BY_TABLE", "Entity", "Field"]
