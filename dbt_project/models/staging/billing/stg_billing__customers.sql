{{ config(unique_key='billing_customer_id') }}

with latest as (
    {{ latest_versions(source('billing', 'billing_customers'), 'id') }}
),

final as (
    select
        -- ids
        id as billing_customer_id,
        metadata_crm_account_id as crm_account_id_raw,
        {{ salesforce_id15('metadata_crm_account_id') }} as crm_account_id15,
        -- attributes
        name as customer_name,
        email as email_raw,
        {{ normalize_email('email') }} as email,
        phone as phone_raw,
        phone_e164,
        currency,
        -- dates
        {{ from_unix_seconds('created') }} as created_at,
        -- flags
        coalesce(delinquent, false) as is_delinquent,
        coalesce(deleted, false) as is_deleted,
        -- lineage
        {{ lineage_columns() }}
    from latest
)

select * from final
