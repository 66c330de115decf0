-- Every reported month has every one of the 27 KPIs, and no other month is published.
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}

with kpis as (
    select * from {{ ref('kpi_monthly') }}
),

months as (
    select month from {{ ref('int_calendar__reported_months') }}
),

per_month as (
    select
        month,
        count(distinct kpi) as kpi_count,
        count(*) as row_count
    from kpis
    group by month
)

select
    coalesce(months.month, per_month.month) as month,
    months.month is not null as is_reported_month,
    coalesce(per_month.kpi_count, 0) as kpi_count,
    coalesce(per_month.row_count, 0) as row_count
from months
full outer join per_month
    on months.month = per_month.month
where
    months.month is null
    or coalesce(per_month.kpi_count, 0) <> 27
    or coalesce(per_month.row_count, 0) <> 27
