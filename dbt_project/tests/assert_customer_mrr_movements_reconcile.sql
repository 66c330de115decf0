-- Per customer and month, the movement amounts explain the change of the customer's part of MRR
-- (MRR when active, else 0), and each month's movements and MRR in fct_customer_mrr_monthly add
-- up to the published KPIs. Returns the rows that do not.
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'fct_customer_mrr_monthly'}}}) }}

with customer_mrr as (
    select * from {{ ref('fct_customer_mrr_monthly') }}
),

kpis as (
    select * from {{ ref('kpi_monthly') }}
),

customer_gaps as (
    select
        customer_id,
        month,
        'customer movement' as failure,
        mrr_change_usd as actual_usd,
        case when is_active then mrr_usd else 0 end
        - case when was_active_previous_month then previous_mrr_usd else 0 end as expected_usd
    from customer_mrr
),

monthly_totals as (
    select
        month,
        sum(case when is_active then mrr_usd else 0 end) as mrr_usd,
        sum(new_mrr_usd) as new_mrr_usd,
        sum(churned_mrr_usd) as churned_mrr_usd
    from customer_mrr
    group by month
),

kpi_values as (
    select
        month,
        max(case when kpi = 'mrr_usd' then value end) as mrr_usd,
        max(case when kpi = 'new_mrr_usd' then value end) as new_mrr_usd,
        max(case when kpi = 'churned_mrr_usd' then value end) as churned_mrr_usd
    from kpis
    group by month
),

total_gaps as (
    select
        cast(null as varchar) as customer_id,
        kpi_values.month,
        'monthly mrr_usd' as failure,
        coalesce(monthly_totals.mrr_usd, 0) as actual_usd,
        kpi_values.mrr_usd as expected_usd
    from kpi_values
    left join monthly_totals
        on kpi_values.month = monthly_totals.month
    union all
    select
        cast(null as varchar) as customer_id,
        kpi_values.month,
        'monthly new_mrr_usd' as failure,
        coalesce(monthly_totals.new_mrr_usd, 0) as actual_usd,
        kpi_values.new_mrr_usd as expected_usd
    from kpi_values
    left join monthly_totals
        on kpi_values.month = monthly_totals.month
),

gaps as (
    select * from customer_gaps
    union all
    select * from total_gaps
)

select *
from gaps
where abs(actual_usd - expected_usd) > 0.005
