{{ config(unique_key=['rate_month', 'currency']) }}

with latest as (
    {{ latest_versions(source('finance', 'finance_fx_rates'), 'month, lower(currency)') }}
),

final as (
    select
        month as rate_month,
        lower(currency) as currency,
        usd_per_unit,
        {{ lineage_columns() }}
    from latest
)

select * from final
