{# The long shape of monthly KPIs (month, kpi, value, numerator, denominator) from a relation
   holding one row per month with a boolean `is_first_reported_month`. Each KPI is a dict:
     kpi               the KPI name
     kind              'count' or 'sum' (value only; numerator and denominator null),
                       'ratio' (value = numerator / denominator), 'mean' (numerator = the sum,
                       denominator = the count), 'nps' (value = 100 x numerator / denominator)
     value             SQL of the value of a count or a sum
     numerator,
     denominator       SQL of the two sides of a ratio, a mean or nps
     first_month_null  true for the retention KPIs, null (value, numerator, denominator) in the
                       first reported month (docs/kpis.md section 3)
   A KPI whose denominator is zero has a null value; its numerator and denominator still show. #}
{% macro kpi_unpivot(relation, kpis) -%}
{%- for k in kpis %}
    {%- if k.kind in ('count', 'sum') %}
        {%- set value_sql = k.value %}
        {%- set numerator_sql = 'null' %}
        {%- set denominator_sql = 'null' %}
    {%- elif k.kind in ('ratio', 'mean', 'nps') %}
        {%- set scale = '100 * ' if k.kind == 'nps' else '' %}
        {%- set numerator_sql = k.numerator %}
        {%- set denominator_sql = k.denominator %}
        {%- set value_sql = 'case when (' ~ k.denominator ~ ') <> 0 then ' ~ scale
            ~ 'cast(' ~ k.numerator ~ ' as double precision) / (' ~ k.denominator ~ ') end' %}
    {%- else %}
        {{ exceptions.raise_compiler_error("kpi_unpivot: unknown kind " ~ k.kind ~ " of " ~ k.kpi) }}
    {%- endif %}
    {%- set guard = 'not is_first_reported_month' if k.first_month_null else 'true' %}
select
    month,
    cast('{{ k.kpi }}' as varchar) as kpi,
    cast(case when {{ guard }} then {{ value_sql }} end as double precision) as value,
    cast(case when {{ guard }} then {{ numerator_sql }} end as double precision) as numerator,
    cast(case when {{ guard }} then {{ denominator_sql }} end as double precision) as denominator
from {{ relation }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- endmacro %}
