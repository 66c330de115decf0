-- Per customer and month, the movement amounts explain the change of the customer's part of MRR
-- (MRR when active, else 0). Returns the customer-months that do not. That each month's totals
-- add up to the KPIs is a reconciliation across tables: the suite mrr_matches_customer_mrr_monthly.
with customer_mrr as (
    select * from {{ ref('fct_customer_mrr_monthly') }}
),

customer_gaps as (
    select
        customer_id,
        month,
        mrr_change_usd as actual_usd,
        case when is_active then mrr_usd else 0 end
        - case when was_active_previous_month then previous_mrr_usd else 0 end as expected_usd
    from customer_mrr
)

select *
from customer_gaps
where abs(actual_usd - expected_usd) > 0.005
