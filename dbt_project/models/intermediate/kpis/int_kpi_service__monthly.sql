-- The service KPIs of docs/kpis.md section 3, over inbound calls by the UTC month of started_at,
-- one row per (reported month, KPI). Answered calls are the inbound calls with answered_at.
with months as (
    select
        month,
        is_first_reported_month
    from {{ ref('int_calendar__reported_months') }}
),

calls as (
    select * from {{ ref('int_calls__enriched') }}
    where is_inbound
),

aggregated as (
    select
        call_month as month,
        sum(case when is_offered then 1 else 0 end) as calls_offered,
        sum(case when is_answered then 1 else 0 end) as calls_answered,
        sum(case when is_answered_within_20s then 1 else 0 end) as calls_answered_within_20s,
        sum(case when is_answered then wait_seconds else 0 end) as wait_seconds,
        sum(case when is_answered then handle_seconds else 0 end) as handle_seconds,
        sum(case when is_fcr_eligible then 1 else 0 end) as fcr_eligible_calls,
        sum(case when is_fcr then 1 else 0 end) as fcr_calls
    from calls
    group by call_month
),

monthly as (
    select
        months.month,
        months.is_first_reported_month,
        coalesce(aggregated.calls_offered, 0) as calls_offered,
        coalesce(aggregated.calls_answered, 0) as calls_answered,
        coalesce(aggregated.calls_answered_within_20s, 0) as calls_answered_within_20s,
        coalesce(aggregated.wait_seconds, 0) as wait_seconds,
        coalesce(aggregated.handle_seconds, 0) as handle_seconds,
        coalesce(aggregated.fcr_eligible_calls, 0) as fcr_eligible_calls,
        coalesce(aggregated.fcr_calls, 0) as fcr_calls
    from months
    left join aggregated
        on months.month = aggregated.month
),

final as (
    {{ kpi_unpivot('monthly', [
        {'kpi': 'calls_offered', 'kind': 'count', 'value': 'calls_offered'},
        {'kpi': 'calls_answered', 'kind': 'count', 'value': 'calls_answered'},
        {'kpi': 'abandonment_rate', 'kind': 'ratio',
         'numerator': 'calls_offered - calls_answered', 'denominator': 'calls_offered'},
        {'kpi': 'service_level_20s', 'kind': 'ratio',
         'numerator': 'calls_answered_within_20s', 'denominator': 'calls_offered'},
        {'kpi': 'asa_seconds', 'kind': 'mean', 'numerator': 'wait_seconds',
         'denominator': 'calls_answered'},
        {'kpi': 'aht_seconds', 'kind': 'mean', 'numerator': 'handle_seconds',
         'denominator': 'calls_answered'},
        {'kpi': 'fcr_rate', 'kind': 'ratio', 'numerator': 'fcr_calls',
         'denominator': 'fcr_eligible_calls'},
    ]) }}
)

select * from final
