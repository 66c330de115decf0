{{ config(unique_key='invoice_id') }}

with latest as (
    {{ latest_versions(source('billing', 'billing_invoices'), 'id') }}
),

final as (
    select
        -- ids
        id as invoice_id,
        customer as billing_customer_id,
        subscription as subscription_id,
        -- attributes
        status,
        currency,
        -- amounts (minor units of `currency`)
        amount_due as amount_due_minor,
        amount_paid as amount_paid_minor,
        amount_remaining as amount_remaining_minor,
        -- dates
        {{ from_unix_seconds('created') }} as created_at,
        {{ from_unix_seconds('due_date') }} as due_at,
        {{ from_unix_seconds('paid_at') }} as paid_at,
        -- lineage
        {{ lineage_columns() }}
    from latest
)

select * from final
