-- Which customer every CRM account and every billing customer id belongs to, and by which rule
-- (docs/kpis.md section 1): one row per non-deleted CRM account (match_rule crm_account), per
-- non-deleted delivered billing customer (crm_id, email, phone or billing_only), and per invoice
-- customer id whose billing customer was never delivered or is deleted (billing_only), so that
-- every customer in the facts can be traced back to its sources.
with accounts as (
    select
        account_id,
        account_id15
    from {{ ref('stg_crm__accounts') }}
    where not is_deleted
),

account_customers as (
    select
        account_id15,
        customer_id
    from {{ ref('int_accounts__filtered') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers__linked') }}
),

crm_rows as (
    select
        'crm' as source_system,
        accounts.account_id as source_id,
        account_customers.customer_id,
        'crm_account' as match_rule
    from accounts
    inner join account_customers
        on accounts.account_id15 = account_customers.account_id15
),

billing_rows as (
    select
        'billing' as source_system,
        billing_customer_id as source_id,
        customer_id,
        match_rule
    from billing_customers
),

unioned as (
    select * from crm_rows
    union all
    select * from billing_rows
),

final as (
    {{ select_contract('unioned') }}
)

select * from final
