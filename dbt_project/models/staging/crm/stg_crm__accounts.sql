with source as (
    select * from {{ source('crm', 'crm_accounts') }}
),

ranked as (
    select *, {{ latest_delivery_rank('"Id"') }} as version_rank from source
),

final as (
    select
        -- ids
        "Id" as account_id,
        {{ salesforce_id15('"Id"') }} as account_id15,
        -- attributes
        "Name" as account_name,
        "Type" as account_type,
        "Industry" as industry,
        "BillingCountry" as billing_country,
        -- dates
        "CreatedDate" as created_at,
        "LastModifiedDate" as last_modified_at,
        -- flags
        "IsDeleted" as is_deleted,
        -- lineage
        _delivery_date as delivery_date,
        _source_file as source_file,
        _source_line as source_line
    from ranked
    where version_rank = 1
)

select * from final
