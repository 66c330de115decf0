-- One row per customer, as of the end of the latest reported month: current MRR, lifetime
-- revenue, active months and tenure, contact-center activity, latest experience scores, open
-- balance, and the health score with its reasons and the at-risk flag.
with customers as (
    select * from {{ ref('dim_customer') }}
),

as_of as (
    select * from {{ ref('int_calendar__as_of_date') }}
),

months as (
    select * from {{ ref('int_calendar__reported_months') }}
),

customer_mrr as (
    select * from {{ ref('int_mrr__customer_monthly') }}
),

health as (
    select * from {{ ref('int_customer_health__scored') }}
),

calls as (
    select * from {{ ref('int_calls__enriched') }}
    where customer_id is not null
),

surveys as (
    select * from {{ ref('int_surveys__scored') }}
    where customer_id is not null
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

billing_customers as (
    select
        billing_customer_id,
        customer_id
    from {{ ref('int_billing_customers__linked') }}
),

fx_rates as (
    select * from {{ ref('stg_finance__fx_rates') }}
),

latest_month as (
    select month from months
    where is_last_reported_month
),

windows as (
    select
        reporting_end_at,
        {{ dbt.dateadd('day', -30, 'reporting_end_at') }} as window_30d_start_at,
        {{ dbt.dateadd('day', -90, 'reporting_end_at') }} as window_90d_start_at
    from as_of
),

revenue as (
    select
        customer_id,
        sum(mrr_usd) as lifetime_revenue_usd,
        min(case when is_active then month end) as first_active_month,
        max(case when is_active then month end) as last_active_month,
        sum(case when is_active then 1 else 0 end) as active_months
    from customer_mrr
    group by customer_id
),

current_mrr as (
    select
        customer_mrr.customer_id,
        customer_mrr.mrr_usd,
        customer_mrr.is_active
    from customer_mrr
    inner join latest_month
        on customer_mrr.month = latest_month.month
),

current_health as (
    select health.*
    from health
    inner join latest_month
        on health.month = latest_month.month
),

call_activity as (
    select
        calls.customer_id,
        sum(case
            when calls.is_offered and calls.started_at >= windows.window_30d_start_at then 1 else 0
        end) as calls_last_30d,
        sum(case when calls.is_offered then 1 else 0 end) as calls_last_90d,
        sum(case
            when
                calls.is_escalated and calls.started_at >= windows.window_30d_start_at
                then 1
            else 0
        end) as escalations_last_30d,
        sum(case when calls.is_escalated then 1 else 0 end) as escalations_last_90d
    from calls
    cross join windows
    where
        calls.started_at >= windows.window_90d_start_at
        and calls.started_at < windows.reporting_end_at
    group by calls.customer_id
),

{#- the latest response with a score, per score: csat_ranked, nps_ranked #}
{%- for score in ['csat', 'nps'] %}
{{ score }}_ranked as (
    select
        surveys.customer_id,
        surveys.{{ score }},
        surveys.responded_at,
        row_number() over (
            partition by surveys.customer_id
            order by surveys.responded_at desc, {{ binary_collate('surveys.survey_id') }} desc
        ) as recency_rank
    from surveys
    cross join windows
    where
        surveys.{{ score }} is not null
        and surveys.responded_at < windows.reporting_end_at
),
{% endfor %}
latest_rates_ranked as (
    select
        currency,
        usd_per_unit,
        row_number() over (partition by currency order by rate_month desc) as recency_rank
    from fx_rates
),

latest_rates as (
    select
        currency,
        usd_per_unit
    from latest_rates_ranked
    where recency_rank = 1
),

open_invoices as (
    select
        billing_customers.customer_id,
        cast(invoices.amount_remaining_minor as double precision) / 100
        * case
            when lower(invoices.currency) = 'usd' then 1
            else latest_rates.usd_per_unit
        end as amount_remaining_usd
    from invoices
    inner join billing_customers
        on invoices.billing_customer_id = billing_customers.billing_customer_id
    left join latest_rates
        on lower(invoices.currency) = latest_rates.currency
    where invoices.status = 'open'
),

open_balances as (
    select
        customer_id,
        count(*) as open_invoice_count,
        sum(amount_remaining_usd) as open_balance_usd,
        sum(case when amount_remaining_usd is null then 1 else 0 end)
            as open_invoices_without_fx_rate
    from open_invoices
    group by customer_id
),

joined as (
    select
        -- ids
        customers.customer_id,
        -- attributes
        customers.anchor_type,
        customers.customer_name,
        customers.account_type,
        customers.industry,
        customers.billing_country,
        customers.billing_customer_count,
        -- revenue
        latest_month.month as as_of_month,
        -- the customer's part of the month's mrr_usd KPI: MRR when active, else 0
        case when current_mrr.is_active then current_mrr.mrr_usd else 0 end as current_mrr_usd,
        coalesce(current_mrr.is_active, false) as is_active,
        coalesce(revenue.lifetime_revenue_usd, 0) as lifetime_revenue_usd,
        revenue.first_active_month,
        revenue.last_active_month,
        coalesce(revenue.active_months, 0) as active_months,
        {{ dbt.datediff('revenue.first_active_month', 'revenue.last_active_month', 'month') }}
        + 1 as tenure_months,
        -- contact center (relative to the end of the latest reported month)
        coalesce(call_activity.calls_last_30d, 0) as calls_last_30d,
        coalesce(call_activity.calls_last_90d, 0) as calls_last_90d,
        coalesce(call_activity.escalations_last_30d, 0) as escalations_last_30d,
        coalesce(call_activity.escalations_last_90d, 0) as escalations_last_90d,
        -- experience
        latest_csat.csat as latest_csat,
        latest_csat.responded_at as latest_csat_responded_at,
        latest_nps.nps as latest_nps,
        latest_nps.responded_at as latest_nps_responded_at,
        -- receivables
        coalesce(open_balances.open_invoice_count, 0) as open_invoice_count,
        coalesce(open_balances.open_balance_usd, 0) as open_balance_usd,
        coalesce(open_balances.open_invoices_without_fx_rate, 0) as open_invoices_without_fx_rate,
        -- health (at the end of the latest reported month)
        current_health.health_score,
        current_health.reasons as health_reasons,
        coalesce(current_health.is_at_risk, false) as is_at_risk
    from customers
    left join latest_month
        on true
    left join current_mrr
        on customers.customer_id = current_mrr.customer_id
    left join revenue
        on customers.customer_id = revenue.customer_id
    left join call_activity
        on customers.customer_id = call_activity.customer_id
    left join csat_ranked as latest_csat
        on
            customers.customer_id = latest_csat.customer_id
            and latest_csat.recency_rank = 1
    left join nps_ranked as latest_nps
        on
            customers.customer_id = latest_nps.customer_id
            and latest_nps.recency_rank = 1
    left join open_balances
        on customers.customer_id = open_balances.customer_id
    left join current_health
        on customers.customer_id = current_health.customer_id
),

final as (
    {{ select_contract('joined') }}
)

select * from final
