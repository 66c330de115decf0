-- One row per call (inbound and outbound), UTC times, its customer and link rule, its durations
-- and the flags behind the service KPIs and first-contact resolution (docs/kpis.md section 3).
with calls as (
    select * from {{ ref('int_calls__enriched') }}
),

final as (
    select
        -- ids
        cast(call_id as varchar) as call_id,
        cast(customer_id as varchar) as customer_id,
        cast(billing_customer_id as varchar) as billing_customer_id,
        cast(agent_id as varchar) as agent_id,
        -- attributes
        cast(link_rule as varchar) as link_rule,
        cast(direction as varchar) as direction,
        cast(queue as varchar) as queue,
        cast(disposition as varchar) as disposition,
        -- dates (UTC)
        cast(started_at as timestamp) as started_at,
        cast(answered_at as timestamp) as answered_at,
        cast(ended_at as timestamp) as ended_at,
        cast(call_month as date) as call_month,
        -- measures (seconds)
        cast(wait_seconds as double precision) as wait_seconds,
        cast(handle_seconds as double precision) as handle_seconds,
        cast(duration_seconds as double precision) as duration_seconds,
        cast(wrap_seconds as bigint) as wrap_seconds,
        cast(repeat_calls_within_7d as bigint) as repeat_calls_within_7d,
        -- flags
        cast(is_inbound as boolean) as is_inbound,
        cast(is_answered as boolean) as is_answered,
        cast(is_short_abandon as boolean) as is_short_abandon,
        cast(is_offered as boolean) as is_offered,
        cast(is_answered_within_20s as boolean) as is_answered_within_20s,
        cast(is_escalated as boolean) as is_escalated,
        cast(is_fcr_eligible as boolean) as is_fcr_eligible,
        cast(is_fcr as boolean) as is_fcr
    from calls
)

select * from final
