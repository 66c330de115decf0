{# Spark: the raw layer is read in place, never copied. Each raw table is an external Parquet table
   `raw.<table>` over ingestion's folder (dropping it drops only the catalog entry, never the files),
   declared anew at the start of every run so that it lists the files of the latest ingestion.
   The orchestration passes each table's folder and columns in C360_SPARK_RAW_TABLES
   (orchestration/spark.py, from ingestion's own schemas in sources/raw_tables.py): Spark skips
   files whose names start with `_`, so it could not infer the columns of a table without records
   yet. Without that variable (a dbt run by hand) the columns are inferred from the files. Only
   `*.parquet` files are read: `_files/` also holds ingestion's `<table>.context.json`. #}
{% macro spark_raw_tables() %}
  {% if execute %}
    {% set declared = fromjson(env_var('C360_SPARK_RAW_TABLES', '{}')) %}
    {% if not declared %}
      {% set raw_dir = env_var('C360_RAW_DIR', '../data/warehouse/c360_raw') %}
      {% for source in graph.get('sources', {}).values() if source.schema == 'raw' %}
        {% set files = source.meta.get('raw_files', source.identifier ~ '/*.parquet') %}
        {% set folder = files.split('/*')[0] %}
        {% do declared.update({source.identifier: {
            'location': raw_dir ~ '/' ~ folder, 'columns': '',
            'recursive': files.count('*') > 1}}) %}
      {% endfor %}
    {% endif %}
    {% do run_query('create database if not exists raw') %}
    {% for table, spec in declared.items() %}
      {% do run_query('drop table if exists raw.' ~ table) %}
      {% do run_query('create table raw.' ~ table
          ~ (' (' ~ spec.columns ~ ')' if spec.columns else '')
          ~ " using parquet location '" ~ spec.location ~ "'"
          ~ " options (pathGlobFilter '*.parquet'"
          ~ (", recursiveFileLookup 'true')" if spec.recursive else ")")) %}
    {% endfor %}
  {% endif %}
{% endmacro %}
