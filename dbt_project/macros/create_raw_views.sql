{# The raw layer is Parquet written by ingestion (see sources/raw_store.py). On DuckDB it is
   exposed as views `raw.<table>` over those files, refreshed at the start of every dbt run, so
   ingestion never holds the warehouse lock.
   One view per dbt source in the `raw` schema: the sources' yml declares the tables (and a test
   holds it equal to what ingestion writes, sources.RAW_TABLES). A table's files are
   `<table>/*.parquet` unless its `meta.raw_files` names others (ingestion's own records).
   The graph is empty when dbt compiles the hook without running it (sqlfluff): no views then.
   The views name the files relative to the raw layer, never by absolute path: every connection
   sets DuckDB's `file_search_path` to the raw directory of its own settings (profiles.yml for
   dbt, orchestration/warehouse.py for the gates). A copied warehouse therefore reads its own raw
   layer, and no path is ever spliced into SQL. Spark declares external tables over the same
   files instead (macros/spark_raw_tables.sql). #}
{% macro create_raw_views() %}
  {% if target.type == 'duckdb' %}
    create schema if not exists raw;
    {% for source in graph.get('sources', {}).values() if source.schema == 'raw' %}
    create or replace view raw.{{ source.identifier }} as
      select * from read_parquet('{{ source.meta.get('raw_files', source.identifier ~ '/*.parquet') }}');
    {% endfor %}
  {% elif target.type == 'spark' %}
    {{ spark_raw_tables() }}
  {% endif %}
{% endmacro %}
