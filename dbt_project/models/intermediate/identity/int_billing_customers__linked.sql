-- Every billing customer id that matters, linked to exactly one customer (docs/kpis.md section 1).
-- A delivered, non-deleted billing customer links by the first rule that applies: crm_id (its
-- metadata names an existing account), email, phone (a contact's, resolved with the tie-break of
-- int_contact_points__resolved), else billing_only. An invoice whose billing customer was never
-- delivered, or is deleted, still counts: its customer id becomes a billing_only customer.
with billing_customers as (
    select * from {{ ref('stg_billing__customers') }}
),

invoices as (
    select billing_customer_id from {{ ref('stg_billing__invoices') }}
),

accounts as (
    select
        customer_id,
        account_id15
    from {{ ref('int_accounts__filtered') }}
),

contact_points as (
    select * from {{ ref('int_contact_points__resolved') }}
),

kept as (
    select * from billing_customers
    where not is_deleted
),

email_points as (
    select
        contact_point,
        customer_id
    from contact_points
    where contact_point_type = 'email'
),

phone_points as (
    select
        contact_point,
        customer_id
    from contact_points
    where contact_point_type = 'phone'
),

delivered_linked as (
    select
        kept.billing_customer_id,
        case
            when crm_accounts.customer_id is not null then 'crm_id'
            when email_points.customer_id is not null then 'email'
            when phone_points.customer_id is not null then 'phone'
            else 'billing_only'
        end as match_rule,
        coalesce(
            crm_accounts.customer_id,
            email_points.customer_id,
            phone_points.customer_id,
            'billing:' || kept.billing_customer_id
        ) as customer_id,
        'delivered' as billing_status,
        kept.customer_name,
        kept.email,
        kept.phone_e164,
        kept.currency,
        kept.created_at
    from kept
    left join accounts as crm_accounts
        on kept.crm_account_id15 = crm_accounts.account_id15
    left join email_points
        on kept.email = email_points.contact_point
    left join phone_points
        on kept.phone_e164 = phone_points.contact_point
),

invoice_only_ids as (
    select distinct invoices.billing_customer_id
    from invoices
    where not exists (
        select 1 from kept
        where kept.billing_customer_id = invoices.billing_customer_id
    )
),

invoice_only_linked as (
    select
        invoice_only_ids.billing_customer_id,
        'billing_only' as match_rule,
        'billing:' || invoice_only_ids.billing_customer_id as customer_id,
        case
            when billing_customers.billing_customer_id is null then 'never_delivered'
            else 'deleted'
        end as billing_status,
        cast(null as varchar) as customer_name,
        cast(null as varchar) as email,
        cast(null as varchar) as phone_e164,
        cast(null as varchar) as currency,
        cast(null as timestamp) as created_at
    from invoice_only_ids
    left join billing_customers
        on invoice_only_ids.billing_customer_id = billing_customers.billing_customer_id
),

unioned as (
    select * from delivered_linked
    union all
    select * from invoice_only_linked
),

final as (
    select
        -- ids
        billing_customer_id,
        customer_id,
        -- resolution
        match_rule,
        billing_status,
        -- attributes (of a delivered billing customer)
        customer_name,
        email,
        phone_e164,
        currency,
        -- dates
        created_at
    from unioned
)

select * from final
