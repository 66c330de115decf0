"""Synthetic, realistically messy landing data for the customer-360 warehouse.

`generate(out_dir, customers, months, seed, as_of)` writes the landing layout of
docs/sources.md (CRM and billing JSON lines, call-center and finance CSV) and returns
{entity: lines written}. Deterministic for its arguments.
"""

from .generator import ENTITIES, generate

__all__ = ["ENTITIES", "generate"]
