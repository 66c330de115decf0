{# Layers live in plainly named schemas (staging, intermediate, marts, published; reference for
   the seeds) on every target, as the README promises, rather than dbt's default
   <target_schema>_<custom_schema>. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}
{%- endmacro %}
