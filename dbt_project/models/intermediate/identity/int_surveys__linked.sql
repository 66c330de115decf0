-- Every survey linked to the customer of its call (docs/kpis.md section 1). A survey whose call
-- is unknown, or whose call is anonymous, is linked to no customer but still counts in experience
-- KPIs.
with surveys as (
    select
        survey_id,
        call_id
    from {{ ref('stg_call_center__surveys') }}
),

calls as (
    select * from {{ ref('int_calls__linked') }}
),

final as (
    select
        -- ids
        surveys.survey_id,
        surveys.call_id,
        calls.customer_id,
        -- resolution
        calls.call_id is not null as is_call_known,
        coalesce(calls.link_rule, 'unknown_call') as call_link_rule
    from surveys
    left join calls
        on surveys.call_id = calls.call_id
)

select * from final
