-- Every survey with the customer of its call, the UTC month of its response and the flags the
-- experience KPIs count (docs/kpis.md section 3): satisfied (csat 4 or 5), promoter (nps >= 9),
-- detractor (nps <= 6). A survey whose call is unknown counts, linked to no customer.
with surveys as (
    select * from {{ ref('stg_call_center__surveys') }}
),

links as (
    select * from {{ ref('int_surveys__linked') }}
),

final as (
    select
        -- ids
        surveys.survey_id,
        surveys.call_id,
        links.customer_id,
        -- attributes
        links.call_link_rule,
        -- dates (UTC)
        surveys.responded_at,
        cast({{ dbt.date_trunc('month', 'surveys.responded_at') }} as date) as response_month,
        -- scores
        surveys.csat,
        surveys.nps,
        surveys.effort,
        surveys.comment,
        -- flags
        surveys.csat in (4, 5) as is_satisfied,
        surveys.nps >= 9 as is_promoter,
        surveys.nps <= 6 as is_detractor,
        links.is_call_known
    from surveys
    inner join links
        on surveys.survey_id = links.survey_id
)

select * from final
