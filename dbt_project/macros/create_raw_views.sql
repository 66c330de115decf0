{# The raw layer is Parquet written by ingestion (see sources/raw_store.py). On DuckDB it is
   exposed as views `raw.<table>` over those files, refreshed at the start of every dbt run, so
   ingestion never holds the warehouse lock. C360_RAW_DIR is set by the orchestration. #}
{% macro create_raw_views() %}
  {% if target.type == 'duckdb' %}
    {% set raw_dir = env_var('C360_RAW_DIR', '../data/warehouse/raw') %}
    {% set tables = ['crm_accounts', 'crm_contacts', 'billing_customers', 'billing_subscriptions',
                     'billing_invoices', 'billing_invoice_lines', 'call_center_calls',
                     'call_center_surveys', 'finance_fx_rates'] %}
    create schema if not exists raw;
    {% for t in tables %}
    create or replace view raw.{{ t }} as
      select * from read_parquet('{{ raw_dir }}/{{ t }}/*.parquet');
    {% endfor %}
    create or replace view raw.rejects as
      select * from read_parquet('{{ raw_dir }}/_rejects/*/*.parquet');
    create or replace view raw.ingested_files as
      select * from read_parquet('{{ raw_dir }}/_files/*.parquet');
  {% elif target.type == 'spark' %}
    {{ spark_raw_tables() }}
  {% endif %}
{% endmacro %}
