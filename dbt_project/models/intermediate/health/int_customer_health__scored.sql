-- The health score of every customer at the end of every reported month (docs/kpis.md section 4).
-- "end" is the first instant (UTC) of the month after M; "the last N days" is end - N days <= t
-- < end. Each reason has a flag here: an overdue invoice (latest status open, due before end),
-- poor experience (mean csat over the surveys of the last 90 days below 3.5, or any nps among
-- them <= 6), frequent calls (3 or more inbound calls, short abandons excluded, in the last 30
-- days), an escalation (any call, either direction, in the last 30 days), contracting
-- (MRR(c, M) < MRR(c, M-3)). What each flag costs is the var health_reasons (dbt_project.yml):
-- the score starts at 100 and loses those points. At risk: active and a score below 50.
with customer_mrr as (
    select * from {{ ref('int_mrr__customer_monthly') }}
),

months as (
    select
        month,
        month_end_at
    from {{ ref('int_calendar__reported_months') }}
),

invoices as (
    select
        billing_customer_id,
        status,
        due_at
    from {{ ref('stg_billing__invoices') }}
),

billing_customers as (
    select
        billing_customer_id,
        customer_id
    from {{ ref('int_billing_customers__linked') }}
),

calls as (
    select
        customer_id,
        started_at,
        is_inbound,
        is_short_abandon,
        is_escalated
    from {{ ref('int_calls__enriched') }}
    where customer_id is not null
),

surveys as (
    select
        customer_id,
        responded_at,
        csat,
        nps
    from {{ ref('int_surveys__scored') }}
    where customer_id is not null
),

customer_months as (
    select
        customer_mrr.customer_id,
        customer_mrr.month,
        customer_mrr.mrr_usd,
        customer_mrr.mrr_3_months_ago_usd,
        customer_mrr.is_active,
        months.month_end_at,
        {{ dbt.dateadd('day', -30, 'months.month_end_at') }} as window_30d_start_at,
        {{ dbt.dateadd('day', -90, 'months.month_end_at') }} as window_90d_start_at
    from customer_mrr
    inner join months
        on customer_mrr.month = months.month
),

open_invoices as (
    select
        billing_customers.customer_id,
        invoices.due_at
    from invoices
    inner join billing_customers
        on invoices.billing_customer_id = billing_customers.billing_customer_id
    where
        invoices.status = 'open'
        and invoices.due_at is not null
),

overdue as (
    select
        customer_months.customer_id,
        customer_months.month,
        count(*) as overdue_invoice_count
    from customer_months
    inner join open_invoices
        on
            customer_months.customer_id = open_invoices.customer_id
            and open_invoices.due_at < customer_months.month_end_at
    group by customer_months.customer_id, customer_months.month
),

experience as (
    select
        customer_months.customer_id,
        customer_months.month,
        count(*) as surveys_90d,
        avg(cast(surveys.csat as double precision)) as mean_csat_90d,
        min(surveys.nps) as min_nps_90d
    from customer_months
    inner join surveys
        on
            customer_months.customer_id = surveys.customer_id
            and surveys.responded_at >= customer_months.window_90d_start_at
            and surveys.responded_at < customer_months.month_end_at
    group by customer_months.customer_id, customer_months.month
),

call_activity as (
    select
        customer_months.customer_id,
        customer_months.month,
        sum(case when calls.is_inbound and not calls.is_short_abandon then 1 else 0 end)
            as inbound_calls_30d,
        sum(case when calls.is_escalated then 1 else 0 end) as escalated_calls_30d
    from customer_months
    inner join calls
        on
            customer_months.customer_id = calls.customer_id
            and calls.started_at >= customer_months.window_30d_start_at
            and calls.started_at < customer_months.month_end_at
    group by customer_months.customer_id, customer_months.month
),

signals as (
    select
        customer_months.customer_id,
        customer_months.month,
        customer_months.month_end_at,
        customer_months.mrr_usd,
        customer_months.mrr_3_months_ago_usd,
        customer_months.is_active,
        coalesce(overdue.overdue_invoice_count, 0) as overdue_invoice_count,
        coalesce(experience.surveys_90d, 0) as surveys_90d,
        experience.mean_csat_90d,
        experience.min_nps_90d,
        coalesce(call_activity.inbound_calls_30d, 0) as inbound_calls_30d,
        coalesce(call_activity.escalated_calls_30d, 0) as escalated_calls_30d
    from customer_months
    left join overdue
        on
            customer_months.customer_id = overdue.customer_id
            and customer_months.month = overdue.month
    left join experience
        on
            customer_months.customer_id = experience.customer_id
            and customer_months.month = experience.month
    left join call_activity
        on
            customer_months.customer_id = call_activity.customer_id
            and customer_months.month = call_activity.month
),

flagged as (
    select
        signals.*,
        signals.overdue_invoice_count > 0 as has_overdue_invoice,
        coalesce(signals.mean_csat_90d < 3.5, false) or coalesce(signals.min_nps_90d <= 6, false)
            as has_poor_experience,
        signals.inbound_calls_30d >= 3 as has_frequent_calls,
        signals.escalated_calls_30d > 0 as has_escalation,
        signals.mrr_3_months_ago_usd - signals.mrr_usd > {{ kpi_mrr_epsilon() }} as is_contracting
    from signals
),

scored as (
    select
        flagged.*,
        {{ health_score('flagged') }} as health_score,
        nullif({{ health_reasons('flagged') }}, '') as reasons
    from flagged
),

final as (
    select
        -- keys
        customer_id,
        month,
        -- score
        health_score,
        reasons,
        -- reasons
        has_overdue_invoice,
        has_poor_experience,
        has_frequent_calls,
        has_escalation,
        is_contracting,
        -- signals
        overdue_invoice_count,
        surveys_90d,
        mean_csat_90d,
        min_nps_90d,
        inbound_calls_30d,
        escalated_calls_30d,
        mrr_usd,
        mrr_3_months_ago_usd,
        -- dates
        month_end_at,
        -- flags
        is_active,
        is_active and health_score < 50 as is_at_risk
    from scored
)

select * from final
