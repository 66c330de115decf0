-- The revenue and retention KPIs of docs/kpis.md section 3, one row per (reported month, KPI).
with months as (
    select
        month,
        is_first_reported_month
    from {{ ref('int_calendar__reported_months') }}
),

customer_mrr as (
    select * from {{ ref('int_mrr__customer_monthly') }}
),

aggregated as (
    select
        month,
        sum(case when is_active then 1 else 0 end) as active_customers,
        sum(case when mrr_movement = 'new' then 1 else 0 end) as new_customers,
        sum(case when mrr_movement = 'reactivation' then 1 else 0 end) as reactivated_customers,
        sum(case when mrr_movement = 'churn' then 1 else 0 end) as churned_customers,
        sum(case when was_active_previous_month then 1 else 0 end) as previous_active_customers,
        sum(case when is_active then mrr_usd else 0 end) as mrr_usd,
        sum(new_mrr_usd) as new_mrr_usd,
        sum(reactivation_mrr_usd) as reactivation_mrr_usd,
        sum(expansion_mrr_usd) as expansion_mrr_usd,
        sum(contraction_mrr_usd) as contraction_mrr_usd,
        sum(churned_mrr_usd) as churned_mrr_usd,
        -- nrr and grr: over the customers active in M-1
        sum(case when was_active_previous_month then mrr_usd else 0 end) as retained_mrr_usd,
        sum(case when was_active_previous_month then least(mrr_usd, previous_mrr_usd) else 0 end)
            as gross_retained_mrr_usd,
        sum(case when was_active_previous_month then previous_mrr_usd else 0 end)
            as previous_mrr_usd
    from customer_mrr
    group by month
),

monthly as (
    select
        months.month,
        months.is_first_reported_month,
        coalesce(aggregated.active_customers, 0) as active_customers,
        coalesce(aggregated.new_customers, 0) as new_customers,
        coalesce(aggregated.reactivated_customers, 0) as reactivated_customers,
        coalesce(aggregated.churned_customers, 0) as churned_customers,
        coalesce(aggregated.previous_active_customers, 0) as previous_active_customers,
        coalesce(aggregated.mrr_usd, 0) as mrr_usd,
        coalesce(aggregated.new_mrr_usd, 0) as new_mrr_usd,
        coalesce(aggregated.reactivation_mrr_usd, 0) as reactivation_mrr_usd,
        coalesce(aggregated.expansion_mrr_usd, 0) as expansion_mrr_usd,
        coalesce(aggregated.contraction_mrr_usd, 0) as contraction_mrr_usd,
        coalesce(aggregated.churned_mrr_usd, 0) as churned_mrr_usd,
        coalesce(aggregated.retained_mrr_usd, 0) as retained_mrr_usd,
        coalesce(aggregated.gross_retained_mrr_usd, 0) as gross_retained_mrr_usd,
        coalesce(aggregated.previous_mrr_usd, 0) as previous_mrr_usd
    from months
    left join aggregated
        on months.month = aggregated.month
),

final as (
    {{ kpi_unpivot('monthly', [
        {'kpi': 'active_customers', 'kind': 'count', 'value': 'active_customers'},
        {'kpi': 'new_customers', 'kind': 'count', 'value': 'new_customers'},
        {'kpi': 'reactivated_customers', 'kind': 'count', 'value': 'reactivated_customers',
         'first_month_null': true},
        {'kpi': 'churned_customers', 'kind': 'count', 'value': 'churned_customers',
         'first_month_null': true},
        {'kpi': 'logo_churn_rate', 'kind': 'ratio', 'numerator': 'churned_customers',
         'denominator': 'previous_active_customers', 'first_month_null': true},
        {'kpi': 'mrr_usd', 'kind': 'sum', 'value': 'mrr_usd'},
        {'kpi': 'arr_usd', 'kind': 'sum', 'value': '12 * mrr_usd'},
        {'kpi': 'arpa_usd', 'kind': 'ratio', 'numerator': 'mrr_usd',
         'denominator': 'active_customers'},
        {'kpi': 'new_mrr_usd', 'kind': 'sum', 'value': 'new_mrr_usd'},
        {'kpi': 'reactivation_mrr_usd', 'kind': 'sum', 'value': 'reactivation_mrr_usd',
         'first_month_null': true},
        {'kpi': 'expansion_mrr_usd', 'kind': 'sum', 'value': 'expansion_mrr_usd',
         'first_month_null': true},
        {'kpi': 'contraction_mrr_usd', 'kind': 'sum', 'value': 'contraction_mrr_usd',
         'first_month_null': true},
        {'kpi': 'churned_mrr_usd', 'kind': 'sum', 'value': 'churned_mrr_usd',
         'first_month_null': true},
        {'kpi': 'nrr', 'kind': 'ratio', 'numerator': 'retained_mrr_usd',
         'denominator': 'previous_mrr_usd', 'first_month_null': true},
        {'kpi': 'grr', 'kind': 'ratio', 'numerator': 'gross_retained_mrr_usd',
         'denominator': 'previous_mrr_usd', 'first_month_null': true},
    ]) }}
)

select * from final
