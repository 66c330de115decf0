{# The raw layer is Parquet written by ingestion (see sources/raw_store.py). On DuckDB it is
   exposed as views `raw.<table>` over those files, refreshed at the start of every dbt run, so
   ingestion never holds the warehouse lock.
   The views name the files relative to the raw layer, never by absolute path: every connection
   sets DuckDB's `file_search_path` to the raw directory of its own settings (profiles.yml for
   dbt, orchestration/warehouse.py for the gates). A copied warehouse therefore reads its own raw
   layer, and no path is ever spliced into SQL. #}
{% macro create_raw_views() %}
  {% if target.type == 'duckdb' %}
    {% set tables = ['crm_accounts', 'crm_contacts', 'billing_customers', 'billing_subscriptions',
                     'billing_invoices', 'billing_invoice_lines', 'call_center_calls',
                     'call_center_surveys', 'finance_fx_rates'] %}
    create schema if not exists raw;
    {% for t in tables %}
    create or replace view raw.{{ t }} as
      select * from read_parquet('{{ t }}/*.parquet');
    {% endfor %}
    create or replace view raw.rejects as
      select * from read_parquet('_rejects/*/*.parquet');
    create or replace view raw.ingested_files as
      select * from read_parquet('_files/*.parquet');
  {% endif %}
{% endmacro %}
