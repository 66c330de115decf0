{% macro select_contract(relation) -%}
{#- The model's contracted columns, in the contract's order and cast to the contract's types, from
    `relation`: a mart's column types are declared once, in its yml contract. -#}
    select
        {%- for column in model.columns.values() %}
        cast({{ column.name }} as {{ column.data_type }}) as {{ column.name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}
