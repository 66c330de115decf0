-- One row per post-call survey, with the customer of its call (null when the call is unknown or
-- anonymous) and the flags behind the experience KPIs (docs/kpis.md section 3).
with surveys as (
    select * from {{ ref('int_surveys__scored') }}
),

final as (
    select
        -- ids
        cast(survey_id as varchar) as survey_id,
        cast(call_id as varchar) as call_id,
        cast(customer_id as varchar) as customer_id,
        -- attributes
        cast(call_link_rule as varchar) as call_link_rule,
        -- dates (UTC)
        cast(responded_at as timestamp) as responded_at,
        cast(response_month as date) as response_month,
        -- scores
        cast(csat as bigint) as csat,
        cast(nps as bigint) as nps,
        cast(effort as bigint) as effort,
        cast(comment as varchar) as comment,
        -- flags
        cast(is_satisfied as boolean) as is_satisfied,
        cast(is_promoter as boolean) as is_promoter,
        cast(is_detractor as boolean) as is_detractor,
        cast(is_call_known as boolean) as is_call_known
    from surveys
)

select * from final
