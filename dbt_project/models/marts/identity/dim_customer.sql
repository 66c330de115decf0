-- One row per customer: what anchors it (a CRM account, or a billing customer of its own), the
-- account's attributes, and how it is billed.
with customers as (
    select
        *,
        -- an equality key, so the join below stays a hash join (a filter on the left side
        -- inside a left join's condition turns it into a nested loop)
        case when anchor_type = 'billing_only' then anchor_id end as anchor_billing_customer_id
    from {{ ref('int_customers__unioned') }}
),

accounts as (
    select * from {{ ref('int_accounts__filtered') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers__linked') }}
),

invoices as (
    select
        billing_customer_id,
        status,
        created_at
    from {{ ref('stg_billing__invoices') }}
),

billing_counts as (
    select
        customer_id,
        count(*) as billing_customer_count
    from billing_customers
    group by customer_id
),

billed as (
    select
        billing_customers.customer_id,
        min(invoices.created_at) as first_billed_at,
        max(invoices.created_at) as last_billed_at
    from invoices
    inner join billing_customers
        on invoices.billing_customer_id = billing_customers.billing_customer_id
    where invoices.status in ('open', 'paid')
    group by billing_customers.customer_id
),

joined as (
    select
        -- ids
        customers.customer_id,
        customers.anchor_type,
        accounts.account_id,
        accounts.account_id15,
        anchor_billing.billing_customer_id as anchor_billing_customer_id,
        anchor_billing.billing_status as anchor_billing_status,
        -- attributes
        coalesce(accounts.account_name, anchor_billing.customer_name) as customer_name,
        accounts.account_type,
        accounts.industry,
        accounts.billing_country,
        -- billing
        coalesce(billing_counts.billing_customer_count, 0) as billing_customer_count,
        -- dates
        accounts.created_at as account_created_at,
        billed.first_billed_at,
        billed.last_billed_at
    from customers
    left join accounts
        on customers.customer_id = accounts.customer_id
    left join billing_customers as anchor_billing
        on customers.anchor_billing_customer_id = anchor_billing.billing_customer_id
    left join billing_counts
        on customers.customer_id = billing_counts.customer_id
    left join billed
        on customers.customer_id = billed.customer_id
),

final as (
    {{ select_contract('joined') }}
)

select * from final
