{# Byte-wise (case-sensitive, locale-free) ordering of a string, so that tie-breaks such as
   "the smallest account Id" give the same answer on every target. DuckDB compares strings
   byte-wise already; Postgres follows the database's locale unless told otherwise. #}
{% macro binary_collate(expression) -%}
    {{ return(adapter.dispatch('binary_collate')(expression)) }}
{%- endmacro %}

{% macro default__binary_collate(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__binary_collate(expression) -%}
    ({{ expression }}) collate "C"
{%- endmacro %}
