-- The as-of date of the run (the latest delivery date, set by the orchestration in the
-- environment variable C360_AS_OF_DATE) and the reporting window it implies. A month is complete
-- (reported) when its last day is before the as-of date, so the last reported month is the month
-- before the as-of month.
-- An environment variable, not a dbt var: a changed var makes dbt parse the whole project again,
-- a changed environment variable only the files that read it.
-- Empty or unset means "not set" (a run with no delivery, a dbt run by hand): the as-of date then
-- falls back to the latest delivery date found in staging, which is what docs/sources.md defines
-- it to be.
{%- set as_of_var = env_var('C360_AS_OF_DATE', '') | trim %}
{%- set as_of_month = dbt.date_trunc('month', 'cast(as_of_date as timestamp)') %}

with deliveries as (
    select max(delivery_date) as delivery_date from {{ ref('stg_crm__accounts') }}
    union all
    select max(delivery_date) from {{ ref('stg_crm__contacts') }}
    union all
    select max(delivery_date) from {{ ref('stg_billing__customers') }}
    union all
    select max(delivery_date) from {{ ref('stg_billing__subscriptions') }}
    union all
    select max(delivery_date) from {{ ref('stg_billing__invoices') }}
    union all
    select max(delivery_date) from {{ ref('stg_call_center__calls') }}
    union all
    select max(delivery_date) from {{ ref('stg_call_center__surveys') }}
    union all
    select max(delivery_date) from {{ ref('stg_finance__fx_rates') }}
),

latest_delivery as (
    select cast(max(delivery_date) as date) as latest_delivery_date from deliveries
),

as_of as (
    select
        {%- if as_of_var %}
        cast('{{ as_of_var }}' as date) as as_of_date,
        'var' as as_of_source,
        {%- else %}
        latest_delivery_date as as_of_date,
        'latest_delivery' as as_of_source,
        {%- endif %}
        latest_delivery_date
    from latest_delivery
),

final as (
    select
        as_of_date,
        as_of_source,
        latest_delivery_date,
        cast(({{ dbt.dateadd('month', -1, as_of_month) }}) as date) as last_reported_month,
        cast({{ as_of_month }} as timestamp) as reporting_end_at
    from as_of
)

select * from final
