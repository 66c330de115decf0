-- Each counting invoice line spread over the k calendar months it covers, starting with the
-- month of period.start: its monthly amount is amount / 100 / k in the invoice's currency,
-- converted to USD with the usd_per_unit rate of the covered month (usd is 1, present in the
-- FX feed or not). A covered month whose currency has no rate keeps a null USD amount and is
-- flagged (see int_revenue__missing_fx_rates): it is never dropped.
-- Incremental by invoice line: the pre-hook deletes the months of every line whose counting line
-- or FX rate changed, or that no longer counts (macros/incremental.sql); a run spreads the
-- counting lines not held (new invoices, back-dated ones included, and the deleted ones again).
{{ config(
    unique_key='invoice_line_key',
    pre_hook="{% if is_incremental() %}{{ delete_changed_spread_lines() }}{% endif %}",
    **incremental_intermediate_config()
) }}

with recursive

lines as (
    select counted.*
    from {{ ref('int_invoice_lines__counted') }} as counted
    {%- if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as held
        where held.invoice_line_key = counted.invoice_line_key
    )
    {%- endif %}
),

fx_rates as (
    select
        rate_month,
        currency,
        usd_per_unit
    from {{ ref('stg_finance__fx_rates') }}
),

month_offsets (month_offset) as (
    select 0
    union all
    select month_offset + 1
    from month_offsets
    where month_offset + 1 < (select max(lines.interval_months) from lines)
),

spread as (
    select
        lines.*,
        month_offsets.month_offset,
        cast(
            ({{ dbt.dateadd('month', 'month_offsets.month_offset', 'lines.period_start_month') }})
            as date
        ) as covered_month,
        lines.amount / lines.interval_months as monthly_amount
    from lines
    inner join month_offsets
        on month_offsets.month_offset < lines.interval_months
),

converted as (
    select
        spread.*,
        cast(
            case when spread.currency = 'usd' then 1 else fx_rates.usd_per_unit end
            as double precision
        ) as usd_per_unit
    from spread
    left join fx_rates
        on
            spread.covered_month = fx_rates.rate_month
            and spread.currency = fx_rates.currency
),

final as (
    select
        -- ids
        invoice_line_key,
        covered_month,
        invoice_id,
        billing_customer_id,
        customer_id,
        -- attributes
        currency,
        interval_months,
        month_offset,
        period_start_month,
        -- amounts
        amount,
        monthly_amount,
        usd_per_unit,
        monthly_amount * usd_per_unit as monthly_amount_usd,
        -- flags
        usd_per_unit is null as is_missing_fx_rate
    from converted
)

select * from final
