-- The (reported month, currency) pairs that a counting invoice line converts but the FX feed has
-- no rate for. Their USD amounts are unknown, so MRR would be understated: a quality gate blocks
-- publication while this model has rows (docs/sources.md, "Bad input"). Months not yet reported
-- (an annual line covering future months) are not listed: no KPI uses them yet.
with line_months as (
    select * from {{ ref('int_invoice_lines__spread_monthly') }}
),

reported_months as (
    select month from {{ ref('int_calendar__reported_months') }}
),

missing as (
    select line_months.*
    from line_months
    inner join reported_months
        on line_months.covered_month = reported_months.month
    where line_months.is_missing_fx_rate
),

final as (
    select
        -- keys
        covered_month as rate_month,
        currency,
        -- measures
        count(*) as invoice_line_count,
        count(distinct customer_id) as customer_count,
        sum(monthly_amount) as monthly_amount_unconverted
    from missing
    group by covered_month, currency
)

select * from final
