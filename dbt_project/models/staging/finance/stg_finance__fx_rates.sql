with source as (
    select * from {{ source('finance', 'finance_fx_rates') }}
),

ranked as (
    select *, {{ latest_delivery_rank('month, lower(currency)') }} as version_rank from source
),

final as (
    select
        month as rate_month,
        lower(currency) as currency,
        usd_per_unit,
        _delivery_date as delivery_date,
        _source_file as source_file,
        _source_line as source_line
    from ranked
    where version_rank = 1
)

select * from final
