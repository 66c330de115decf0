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
    {{ return(adapter.dispatch('from_unix_seconds')(column)) }}
{%- endmacro %}

{% macro default__from_unix_seconds(column) -%}
    (to_timestamp({{ column }}) at time zone 'UTC')
{%- endmacro %}

{# Spark: timestamp_seconds gives an instant, shown in the session's time zone (UTC). #}
{% macro spark__from_unix_seconds(column) -%}
    cast(timestamp_seconds({{ column }}) as timestamp_ntz)
{%- endmacro %}

{# The current version of each record of a landed table, the opening of every staging model:
   latest delivery wins; inside a delivery the last occurrence (file name, then line) wins.
   `key` is the SQL expression that identifies a record.
   In an incremental run only the deliveries from the latest one the model holds onwards are
   read: a record delivered there wins over every version the model holds (deliveries never go
   backwards), and the model's delete+insert on the record key replaces it. The latest held
   delivery is read again, so a delivery that grew (a second file) is complete; a delivery
   rewritten further back needs `dbt build --full-refresh`. #}
{% macro latest_versions(relation, key) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by _delivery_date desc, _source_file desc, _source_line desc
            ) as version_rank
        from {{ relation }}
        {%- if is_incremental() %}
        where _delivery_date >= {{ held_deliveries_from() }}
        {%- endif %}
    ) as ranked
    where version_rank = 1
{%- endmacro %}

{# The latest delivery date an incremental model holds (its `delivery_date` column): where its
   next run starts reading. An empty model reads everything. #}
{% macro held_deliveries_from() -%}
    coalesce((select max(delivery_date) from {{ this }}), cast('1900-01-01' as date))
{%- endmacro %}

{# Where each staged row came from: its delivery, file and line in the raw layer. #}
{% macro lineage_columns() -%}
    _delivery_date as delivery_date,
        _source_file as source_file,
        _source_line as source_line
{%- endmacro %}
