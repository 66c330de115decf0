{# Seconds from one UTC timestamp (without time zone) to another, with fractions, as a double.
   dbt.datediff('second') counts boundaries crossed and drops fractions, which is not a duration. #}
{% macro seconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('seconds_between')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    cast(extract(epoch from (({{ end_at }}) - ({{ start_at }}))) as double precision)
{%- endmacro %}

{# Postgres: timestamp - timestamp is an interval in days and time (never months), so its epoch is
   the exact duration; extract returns numeric since PG 14, hence the cast. #}
{% macro postgres__seconds_between(start_at, end_at) -%}
    cast(extract(epoch from (({{ end_at }}) - ({{ start_at }}))) as double precision)
{%- endmacro %}

{# Spark: the difference of two timestamps is a day-time interval, which has no epoch to extract;
   microseconds since the epoch are exact (the session's time zone is UTC). #}
{% macro spark__seconds_between(start_at, end_at) -%}
    cast(unix_micros(cast({{ end_at }} as timestamp)) - unix_micros(cast({{ start_at }} as timestamp)) as double) / 1000000
{%- endmacro %}
