-- The customers: one per non-deleted CRM account (customer_id 'crm:' || 15-character account id)
-- and one per billing_only billing customer id (customer_id 'billing:' || billing customer id).
with accounts as (
    select * from {{ ref('int_accounts__filtered') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers__linked') }}
),

account_customers as (
    select
        customer_id,
        'crm_account' as anchor_type,
        account_id as anchor_id
    from accounts
),

billing_only_customers as (
    select
        customer_id,
        'billing_only' as anchor_type,
        billing_customer_id as anchor_id
    from billing_customers
    where match_rule = 'billing_only'
),

final as (
    select * from account_customers
    union all
    select * from billing_only_customers
)

select * from final
