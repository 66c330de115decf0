-- The experience KPIs of docs/kpis.md section 3, over surveys by the UTC month of responded_at, one
-- row per (reported month, KPI).
with months as (
    select
        month,
        is_first_reported_month
    from {{ ref('int_calendar__reported_months') }}
),

surveys as (
    select * from {{ ref('int_surveys__scored') }}
),

aggregated as (
    select
        response_month as month,
        sum(case when is_satisfied then 1 else 0 end) as satisfied_responses,
        count(csat) as csat_responses,
        sum(case when is_promoter then 1 else 0 end)
        - sum(case when is_detractor then 1 else 0 end) as net_promoters,
        count(nps) as nps_responses,
        sum(effort) as effort_total,
        count(effort) as effort_responses
    from surveys
    group by response_month
),

monthly as (
    select
        months.month,
        months.is_first_reported_month,
        coalesce(aggregated.satisfied_responses, 0) as satisfied_responses,
        coalesce(aggregated.csat_responses, 0) as csat_responses,
        coalesce(aggregated.net_promoters, 0) as net_promoters,
        coalesce(aggregated.nps_responses, 0) as nps_responses,
        coalesce(aggregated.effort_total, 0) as effort_total,
        coalesce(aggregated.effort_responses, 0) as effort_responses
    from months
    left join aggregated
        on months.month = aggregated.month
),

final as (
    {{ kpi_unpivot('monthly', [
        {'kpi': 'csat', 'kind': 'ratio', 'numerator': 'satisfied_responses',
         'denominator': 'csat_responses'},
        {'kpi': 'nps', 'kind': 'nps', 'numerator': 'net_promoters',
         'denominator': 'nps_responses'},
        {'kpi': 'ces', 'kind': 'mean', 'numerator': 'effort_total',
         'denominator': 'effort_responses'},
    ]) }}
)

select * from final
