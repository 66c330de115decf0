{# The health score and its reasons string from the reasons' flag columns of `relation`, both
   from the var health_reasons (dbt_project.yml): the score is 100 less the points of every
   flagged reason; the string lists the flagged codes in alphabetical order, comma-separated
   (null when there is none). docs/kpis.md section 4. #}
{% macro health_score(relation) -%}
    100
    {%- for reason in var('health_reasons') %}
    - case when {{ relation }}.{{ reason.flag }} then {{ reason.points }} else 0 end
    {%- endfor %}
{%- endmacro %}

{% macro health_reasons(relation) -%}
    concat_ws(
        ','
        {%- for reason in var('health_reasons') | sort(attribute='code') %},
        case when {{ relation }}.{{ reason.flag }} then '{{ reason.code }}' end
        {%- endfor %}
    )
{%- endmacro %}
