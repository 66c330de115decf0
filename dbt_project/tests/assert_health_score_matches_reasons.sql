-- docs/kpis.md section 4: the score is 100 less the deductions of its reasons, the reasons string
-- names exactly the flagged reasons (known codes only, alphabetical), and at risk means active
-- with a score below 50.
with health as (
    select * from {{ ref('fct_customer_health_monthly') }}
),

checked as (
    select
        health.*,
        100
        - case when health.has_overdue_invoice then 30 else 0 end
        - case when health.has_poor_experience then 20 else 0 end
        - case when health.has_frequent_calls then 15 else 0 end
        - case when health.has_escalation then 15 else 0 end
        - case when health.is_contracting then 20 else 0 end as expected_score,
        ',' || coalesce(health.reasons, '') || ',' as delimited_reasons
    from health
)

select *
from checked
where
    health_score <> expected_score
    or has_overdue_invoice <> (delimited_reasons like '%,overdue_invoice,%')
    or has_poor_experience <> (delimited_reasons like '%,poor_experience,%')
    or has_frequent_calls <> (delimited_reasons like '%,frequent_calls,%')
    or has_escalation <> (delimited_reasons like '%,escalation,%')
    or is_contracting <> (delimited_reasons like '%,contracting,%')
    or length(coalesce(reasons, '')) <> length(
        concat_ws(
            ',',
            case when is_contracting then 'contracting' end,
            case when has_escalation then 'escalation' end,
            case when has_frequent_calls then 'frequent_calls' end,
            case when has_overdue_invoice then 'overdue_invoice' end,
            case when has_poor_experience then 'poor_experience' end
        )
    )
    or reasons = ''
    or is_at_risk <> (is_active and health_score < 50)
