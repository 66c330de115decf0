-- One row per post-call survey, with the customer of its call (null when the call is unknown or
-- anonymous) and the flags behind the experience KPIs (docs/kpis.md section 3).
with surveys as (
    select * from {{ ref('int_surveys__scored') }}
),

final as (
    {{ select_contract('surveys') }}
)

select * from final
