{{ config(unique_key='account_id') }}

with latest as (
    {{ latest_versions(source('crm', 'crm_accounts'), '"Id"') }}
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
        {{ lineage_columns() }}
    from latest
)

select * from final
