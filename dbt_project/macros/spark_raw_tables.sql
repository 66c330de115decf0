{# Spark: the raw layer is read in place, never copied. Each raw folder is an external Parquet
   table `raw.<table>` (dropping it drops only the catalog entry, never the files), re-declared at
   the start of every run so that it lists the files of the latest ingestion. The columns come
   from ingestion's schema files, passed in C360_SPARK_RAW_COLUMNS by the orchestration
   (orchestration/spark.py): Spark skips files whose names start with `_`, so it cannot infer the
   schema of a folder that holds no records yet. #}
{% macro spark_raw_tables() %}
  {% set raw_dir = env_var('C360_RAW_DIR', '../data/warehouse/raw') %}
  {% set folders = {'ingested_files': '_files', 'rejects': '_rejects'} %}
  {% set columns = fromjson(env_var('C360_SPARK_RAW_COLUMNS', '{}')) %}
  {% do run_query('create database if not exists raw') %}
  {% for table, column_list in columns.items() %}
    {% do run_query('drop table if exists raw.' ~ table) %}
    {% do run_query('create table raw.' ~ table ~ ' (' ~ column_list ~ ')'
        ~ " using parquet location '" ~ raw_dir ~ '/' ~ folders.get(table, table) ~ "'"
        ~ (" options (recursiveFileLookup 'true')" if table == 'rejects' else '')) %}
  {% endfor %}
{% endmacro %}
