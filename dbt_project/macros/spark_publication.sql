{# Publication on Spark, atomic for readers although plain Parquet has no transactions.

   1. The audited rows are written as a partition of their own, `run_id = <this run>`, of the
      append-only `<model>_history` (a retry of the same run rewrites only its own partition).
   2. One row in `<model>_publications` commits it: written last, after the partition is complete.
   3. `<model>` itself is a view: the history rows of the newest committed publication.
   A reader therefore sees the previous publication or the new one, never part of one; a run that
   stops between 1 and 2 leaves a partition no reader sees. The same definitions are declared by
   every other Spark process (orchestration/spark.py). #}
{% materialization spark_publication, adapter='spark' %}
  {%- set run_id = var('run_id', 'manual') -%}
  {%- set history = api.Relation.create(schema=this.schema, identifier=this.identifier ~ '_history', type='table') -%}
  {%- set commits = api.Relation.create(schema=this.schema, identifier=this.identifier ~ '_publications', type='table') -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set candidate = spark_sql(sql) -%}

  {{ run_hooks(pre_hooks) }}

  {% call statement('create_history') -%}
    create table if not exists {{ history }} using parquet partitioned by (run_id)
    as select * from ({{ candidate }}) where false
  {%- endcall %}
  {%- set columns = adapter.get_columns_in_relation(history) | map(attribute='name') | reject('equalto', 'run_id') | list -%}

  {% call statement('append_history') -%}
    insert overwrite table {{ history }} partition (run_id = '{{ run_id }}')
    select {{ columns | join(', ') }} from ({{ candidate }})
  {%- endcall %}

  {% call statement('commit_publication') -%}
    create table if not exists {{ commits }} (run_id string, published_at timestamp, kpi_rows bigint)
    using parquet
  {%- endcall %}
  {% call statement('commit_publication') -%}
    insert into {{ commits }}
    select '{{ run_id }}', current_timestamp(), count(*) from {{ history }} where run_id = '{{ run_id }}'
  {%- endcall %}

  {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
  {% if existing is not none and existing.type != 'view' %}
    {{ adapter.drop_relation(existing) }}
  {% endif %}
  {% call statement('main') -%}
    {{ spark_publication_view(target_relation, history, commits, columns + ['run_id']) }}
  {%- endcall %}

  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{% macro spark_publication_view(view, history, commits, columns) -%}
    create or replace view {{ view }} as
    select {{ columns | join(', ') }} from {{ history }}
    where run_id = (select max_by(run_id, published_at) from {{ commits }})
{%- endmacro %}
