-- The health KPIs of docs/kpis.md section 4, one row per (reported month, KPI): at-risk customers
-- (active, score below 50) and the MRR they hold.
with months as (
    select
        month,
        is_first_reported_month
    from {{ ref('int_calendar__reported_months') }}
),

health as (
    select * from {{ ref('int_customer_health__scored') }}
),

aggregated as (
    select
        month,
        sum(case when is_at_risk then 1 else 0 end) as at_risk_customers,
        sum(case when is_at_risk then mrr_usd else 0 end) as revenue_at_risk_usd
    from health
    group by month
),

monthly as (
    select
        months.month,
        months.is_first_reported_month,
        coalesce(aggregated.at_risk_customers, 0) as at_risk_customers,
        coalesce(aggregated.revenue_at_risk_usd, 0) as revenue_at_risk_usd
    from months
    left join aggregated
        on months.month = aggregated.month
),

final as (
    {{ kpi_unpivot('monthly', [
        {'kpi': 'at_risk_customers', 'kind': 'count', 'value': 'at_risk_customers'},
        {'kpi': 'revenue_at_risk_usd', 'kind': 'sum', 'value': 'revenue_at_risk_usd'},
    ]) }}
)

select * from final
