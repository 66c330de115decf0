"""Benchmarks of the customer-360 warehouse: `make bench` (see docs/benchmarks.md)."""
