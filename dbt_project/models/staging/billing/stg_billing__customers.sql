with source as (
    select * from {{ source('billing', 'billing_customers') }}
),

ranked as (
    select *, {{ latest_delivery_rank('id') }} as version_rank from source
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
        _delivery_date as delivery_date,
        _source_file as source_file,
        _source_line as source_line
    from ranked
    where version_rank = 1
)

select * from final
