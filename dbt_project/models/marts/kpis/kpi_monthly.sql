-- Every KPI of docs/kpis.md sections 3 and 4 for every reported month, in the long shape the
-- publication copies: value, and for a ratio its two sides, for a mean its sum and count, for
-- nps (promoters - detractors) and responses; null numerator and denominator for counts and sums.
with revenue as (
    select * from {{ ref('int_kpi_revenue__monthly') }}
),

service as (
    select * from {{ ref('int_kpi_service__monthly') }}
),

experience as (
    select * from {{ ref('int_kpi_experience__monthly') }}
),

health as (
    select * from {{ ref('int_kpi_health__monthly') }}
),

unioned as (
    select * from revenue
    union all
    select * from service
    union all
    select * from experience
    union all
    select * from health
),

final as (
    {{ select_contract('unioned') }}
)

select * from final
