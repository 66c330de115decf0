-- One row per call (inbound and outbound), UTC times, its customer and link rule, its durations
-- and the flags behind the service KPIs and first-contact resolution (docs/kpis.md section 3).
with calls as (
    select * from {{ ref('int_calls__enriched') }}
),

final as (
    {{ select_contract('calls') }}
)

select * from final
