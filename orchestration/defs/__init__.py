"""Dagster definitions by domain: ingestion, dbt (the warehouse), quality, publish, schedules."""
