-- customer_360 agrees with the KPIs: the sum of current MRR over customers is the latest reported
-- month's mrr_usd, and the at-risk customers are that month's at_risk_customers.
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'customer_360'}}}) }}

with customers as (
    select * from {{ ref('customer_360') }}
),

kpis as (
    select * from {{ ref('kpi_monthly') }}
),

latest as (
    select
        max(case when kpi = 'mrr_usd' then value end) as mrr_usd,
        max(case when kpi = 'at_risk_customers' then value end) as at_risk_customers
    from kpis
    where month = (select max(all_kpis.month) from kpis as all_kpis)
),

totals as (
    select
        coalesce(sum(current_mrr_usd), 0) as mrr_usd,
        sum(case when is_at_risk then 1 else 0 end) as at_risk_customers
    from customers
)

select
    latest.mrr_usd as kpi_mrr_usd,
    totals.mrr_usd as customer_360_mrr_usd,
    latest.at_risk_customers as kpi_at_risk_customers,
    totals.at_risk_customers as customer_360_at_risk_customers
from latest
cross join totals
where
    latest.mrr_usd is not null
    and (
        abs(latest.mrr_usd - totals.mrr_usd) > 0.005
        or latest.at_risk_customers <> totals.at_risk_customers
    )
