-- docs/kpis.md section 4: the score is 100 less the deductions of its reasons, the reasons string
-- names exactly the flagged reasons (known codes only, alphabetical), and at risk means active
-- with a score below 50. The reasons and their points are the var health_reasons.
with health as (
    select * from {{ ref('fct_customer_health_monthly') }}
),

checked as (
    select
        health.*,
        {{ health_score('health') }} as expected_score,
        {{ health_reasons('health') }} as expected_reasons,
        ',' || coalesce(health.reasons, '') || ',' as delimited_reasons
    from health
)

select *
from checked
where
    health_score <> expected_score
    {%- for reason in var('health_reasons') %}
    or {{ reason.flag }} <> (delimited_reasons like '%,{{ reason.code }},%')
    {%- endfor %}
    or length(coalesce(reasons, '')) <> length(expected_reasons)
    or reasons = ''
    or is_at_risk <> (is_active and health_score < 50)
