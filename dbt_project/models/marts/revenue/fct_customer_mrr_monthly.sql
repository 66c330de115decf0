-- MRR per customer and reported month, with its movement against M-1 (docs/kpis.md sections 2-3):
-- one row per customer and month in which the customer is active, plus the month after its last
-- active month (churn, where the customer contributes no MRR). The movement amounts of a month
-- sum to its revenue KPIs, and mrr(M) = mrr(M-1) + new + reactivation + expansion - contraction
-- - churned.
with customer_mrr as (
    select * from {{ ref('int_mrr__customer_monthly') }}
    where is_active or was_active_previous_month
),

final as (
    select
        -- keys
        cast(customer_id as varchar) as customer_id,
        cast(month as date) as month,
        -- amounts
        cast(mrr_usd as double precision) as mrr_usd,
        cast(previous_mrr_usd as double precision) as previous_mrr_usd,
        cast(
            new_mrr_usd + reactivation_mrr_usd + expansion_mrr_usd
            - contraction_mrr_usd - churned_mrr_usd
            as double precision
        ) as mrr_change_usd,
        cast(new_mrr_usd as double precision) as new_mrr_usd,
        cast(reactivation_mrr_usd as double precision) as reactivation_mrr_usd,
        cast(expansion_mrr_usd as double precision) as expansion_mrr_usd,
        cast(contraction_mrr_usd as double precision) as contraction_mrr_usd,
        cast(churned_mrr_usd as double precision) as churned_mrr_usd,
        -- attributes
        cast(mrr_movement as varchar) as mrr_movement,
        cast(counting_line_count as bigint) as counting_line_count,
        -- flags
        cast(is_active as boolean) as is_active,
        cast(was_active_previous_month as boolean) as was_active_previous_month
    from customer_mrr
)

select * from final
