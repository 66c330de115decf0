-- MRR per customer and reported month, with its movement against M-1 (docs/kpis.md sections 2-3):
-- one row per customer and month in which the customer is active, plus the month after its last
-- active month (churn, where the customer contributes no MRR). The movement amounts of a month
-- sum to its revenue KPIs, and mrr(M) = mrr(M-1) + new + reactivation + expansion - contraction
-- - churned.
with customer_mrr as (
    select
        *,
        new_mrr_usd + reactivation_mrr_usd + expansion_mrr_usd
        - contraction_mrr_usd - churned_mrr_usd as mrr_change_usd
    from {{ ref('int_mrr__customer_monthly') }}
    where is_active or was_active_previous_month
),

final as (
    {{ select_contract('customer_mrr') }}
)

select * from final
