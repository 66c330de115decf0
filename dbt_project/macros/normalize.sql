{# Identity normalisation rules of docs/kpis.md section 1, written once. #}

{# Trimmed and lower-cased; without exactly one @ or without a dot after the @ it is no email. #}
{% macro normalize_email(column) -%}
    case
        when length(lower(trim({{ column }}))) - length(replace(lower(trim({{ column }})), '@', '')) = 1
         and position('.' in split_part(lower(trim({{ column }})), '@', 2)) > 0
        then lower(trim({{ column }}))
    end
{%- endmacro %}

{# Salesforce ids match on their first 15 characters, case-sensitively. #}
{% macro salesforce_id15(column) -%}
    left({{ column }}, 15)
{%- endmacro %}

{# Stripe's Unix seconds as a UTC timestamp without time zone (the warehouse's convention). #}
{% macro from_unix_seconds(column) -%}
    (to_timestamp({{ column }}) at time zone 'UTC')
{%- endmacro %}

{# Latest delivery wins; inside a delivery the last occurrence (file name, then line) wins. #}
{% macro latest_delivery_rank(key) -%}
    row_number() over (
        partition by {{ key }}
        order by _delivery_date desc, _source_file desc, _source_line desc
    )
{%- endmacro %}
