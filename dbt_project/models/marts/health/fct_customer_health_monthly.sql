-- The health score of every customer at the end of every reported month, with its reasons, the
-- signals behind them and the at-risk flag (docs/kpis.md section 4).
with health as (
    select * from {{ ref('int_customer_health__scored') }}
),

final as (
    select
        -- keys
        cast(customer_id as varchar) as customer_id,
        cast(month as date) as month,
        -- score
        cast(health_score as bigint) as health_score,
        cast(reasons as varchar) as reasons,
        -- reasons
        cast(has_overdue_invoice as boolean) as has_overdue_invoice,
        cast(has_poor_experience as boolean) as has_poor_experience,
        cast(has_frequent_calls as boolean) as has_frequent_calls,
        cast(has_escalation as boolean) as has_escalation,
        cast(is_contracting as boolean) as is_contracting,
        -- signals
        cast(overdue_invoice_count as bigint) as overdue_invoice_count,
        cast(surveys_90d as bigint) as surveys_90d,
        cast(mean_csat_90d as double precision) as mean_csat_90d,
        cast(min_nps_90d as bigint) as min_nps_90d,
        cast(inbound_calls_30d as bigint) as inbound_calls_30d,
        cast(escalated_calls_30d as bigint) as escalated_calls_30d,
        cast(mrr_usd as double precision) as mrr_usd,
        cast(mrr_3_months_ago_usd as double precision) as mrr_3_months_ago_usd,
        -- flags
        cast(is_active as boolean) as is_active,
        cast(is_at_risk as boolean) as is_at_risk
    from health
)

select * from final
