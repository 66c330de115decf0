-- Every counting invoice line's amount reaches MRR: it is spread over exactly k covered months
-- whose monthly amounts add back to amount / 100, and in every reported month the USD amounts of
-- the line-months add up to the MRR of their customers. Returns the lines and customer-months
-- that do not (a line whose interval is unknown, for instance, would be lost).
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'int_mrr__customer_monthly'}}}) }}

with lines as (
    select * from {{ ref('int_invoice_lines__counted') }}
),

line_months as (
    select * from {{ ref('int_invoice_lines__spread_monthly') }}
),

customer_mrr as (
    select * from {{ ref('int_mrr__customer_monthly') }}
),

reported_months as (
    select month from {{ ref('int_calendar__reported_months') }}
),

spread_totals as (
    select
        invoice_line_key,
        count(*) as covered_months,
        sum(monthly_amount) as spread_amount
    from line_months
    group by invoice_line_key
),

line_gaps as (
    select
        lines.invoice_line_key as failing_key,
        'line not spread over its k months' as failure,
        lines.amount as expected_amount,
        spread_totals.spread_amount as actual_amount
    from lines
    left join spread_totals
        on lines.invoice_line_key = spread_totals.invoice_line_key
    where
        spread_totals.invoice_line_key is null
        or lines.interval_months is null
        or spread_totals.covered_months <> lines.interval_months
        or abs(spread_totals.spread_amount - lines.amount) > 0.005
),

line_usd as (
    select
        line_months.customer_id,
        line_months.covered_month as month,
        sum(line_months.monthly_amount_usd) as line_amount_usd
    from line_months
    inner join reported_months
        on line_months.covered_month = reported_months.month
    group by line_months.customer_id, line_months.covered_month
),

mrr_gaps as (
    select
        line_usd.customer_id || ' ' || cast(line_usd.month as varchar) as failing_key,
        'line amounts do not reach MRR' as failure,
        coalesce(line_usd.line_amount_usd, 0) as expected_amount,
        customer_mrr.mrr_usd as actual_amount
    from line_usd
    left join customer_mrr
        on
            line_usd.customer_id = customer_mrr.customer_id
            and line_usd.month = customer_mrr.month
    where
        customer_mrr.customer_id is null
        or abs(coalesce(line_usd.line_amount_usd, 0) - customer_mrr.mrr_usd) > 0.005
)

select * from line_gaps
union all
select * from mrr_gaps
