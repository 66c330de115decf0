{# Spark SQL as dbt-spark runs it (ANSI mode off, which dbt-spark enforces) differs from the
   standard SQL the models are written in on three spellings: a double-quoted name is a string
   there, not an identifier; `varchar` needs a length; `double precision` is unknown. Rather than
   fork each model, the SQL Spark runs (tables and tests) is given Spark's spelling of the same
   thing: `name` in backticks, `string`, `double`. String literals and comments are left untouched. #}
{% macro spark_sql(sql) -%}
    {%- set re = modules.re -%}
    {#- literals and comments (where an apostrophe is no quote) are kept as they are -#}
    {%- set parts = re.split("('(?:[^']|'')*'|--[^\\n]*|/\\*(?:[^*]|\\*(?!/))*\\*/)", sql) -%}
    {%- set out = [] -%}
    {%- for part in parts -%}
        {%- if loop.index0 is odd -%}
            {%- do out.append(part) -%}
        {%- else -%}
            {%- set part = re.sub('"([^"\\n]+)"', '`\\1`', part) -%}
            {%- set part = re.sub('(?i)\\bas\\s+varchar\\s*\\)', 'as string)', part) -%}
            {%- do out.append(re.sub('(?i)\\bas\\s+double\\s+precision\\s*\\)', 'as double)', part)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- out | join('') -}}
{%- endmacro %}

{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {{ return(dbt.spark__create_table_as(temporary, relation, spark_sql(compiled_code), language)) }}
{%- endmacro %}

{% macro spark__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
    {{ return(dbt.default__get_test_sql(spark_sql(main_sql), fail_calc, warn_if, error_if, limit)) }}
{%- endmacro %}

{# The column check of an enforced contract runs the model's SQL too. #}
{% macro spark__get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
    {{ return(dbt.default__get_empty_subquery_sql(spark_sql(select_sql), select_sql_header)) }}
{%- endmacro %}

{# Contract constraints on plain Parquet tables, which cannot declare them (only Delta can): the
   built table is checked instead, and a `not_null` column holding a null fails the model, as the
   constraint would on every other target. #}
{% macro spark__persist_constraints(relation, model) %}
  {%- set contract_config = config.get('contract') -%}
  {% if contract_config.enforced and config.get('file_format', 'parquet') == 'delta' %}
    {{ return(dbt.spark__persist_constraints(relation, model)) }}
  {% elif contract_config.enforced %}
    {% for name, column in model.columns.items() %}
      {% if column.constraints | selectattr('type', 'equalto', 'not_null') | list %}
        {% set nulls = run_query('select count(*) from ' ~ relation ~ ' where `' ~ name ~ '` is null').columns[0].values()[0] %}
        {% if nulls > 0 %}
          {{ exceptions.raise_compiler_error(relation ~ '.' ~ name ~ ' violates its not_null constraint: ' ~ nulls ~ ' null(s)') }}
        {% endif %}
      {% endif %}
    {% endfor %}
  {% endif %}
{% endmacro %}

{# Unit tests run the model's SQL too. #}
{% macro spark__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {{ return(dbt.default__get_unit_test_sql(spark_sql(main_sql), expected_fixture_sql, expected_column_names)) }}
{%- endmacro %}

{# Date arithmetic: Spark's own `timestampadd` keeps timestamps without time zone as they are
   (dbt-spark's generic version goes through Unix seconds and loses them). #}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart | upper }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{# Seeds: dbt-spark's session method puts each value into the insert between quotes as it is, so
   a value holding an apostrophe (the catalogue's "this month's MRR") breaks the statement. The
   values are written here as Spark string literals, escaped. #}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
      insert into {{ this.render() }} values
      {% for row in chunk -%}
        ({%- for col_name in agate_table.column_names -%}
          {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
          {%- set value = row[loop.index0] -%}
          {%- if value is none -%}
            cast(null as {{ type }})
          {%- else -%}
            cast('{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}' as {{ type }})
          {%- endif -%}
          {{- "," if not loop.last -}}
        {%- endfor -%}){{ "," if not loop.last }}
      {% endfor %}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0]) }}
{% endmacro %}
