-- docs/kpis.md section 3, first reported month: the nine retention KPIs are null (value,
-- numerator and denominator), and new_customers / new_mrr_usd count every customer active in it.
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}

with kpis as (
    select * from {{ ref('kpi_monthly') }}
),

first_month as (
    select month from {{ ref('int_calendar__reported_months') }}
    where is_first_reported_month
),

first_month_kpis as (
    select kpis.*
    from kpis
    inner join first_month
        on kpis.month = first_month.month
),

retention_not_null as (
    select
        month,
        kpi,
        'retention KPI not null in the first month' as failure
    from first_month_kpis
    where kpi in (
        'reactivated_customers', 'churned_customers', 'logo_churn_rate', 'reactivation_mrr_usd',
        'expansion_mrr_usd', 'contraction_mrr_usd', 'churned_mrr_usd', 'nrr', 'grr'
    )
    and (value is not null or numerator is not null or denominator is not null)
),

pivoted as (
    select
        month,
        max(case when kpi = 'active_customers' then value end) as active_customers,
        max(case when kpi = 'new_customers' then value end) as new_customers,
        max(case when kpi = 'mrr_usd' then value end) as mrr_usd,
        max(case when kpi = 'new_mrr_usd' then value end) as new_mrr_usd
    from first_month_kpis
    group by month
),

new_not_all as (
    select
        month,
        'new_customers' as kpi,
        'first month: not every active customer is new' as failure
    from pivoted
    where
        new_customers <> active_customers
        or abs(new_mrr_usd - mrr_usd) > 0.005
)

select * from retention_not_null
union all
select * from new_not_all
