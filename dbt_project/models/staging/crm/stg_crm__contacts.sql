{{ config(unique_key='contact_id') }}

with latest as (
    {{ latest_versions(source('crm', 'crm_contacts'), '"Id"') }}
),

final as (
    select
        -- ids
        "Id" as contact_id,
        "AccountId" as account_id,
        {{ salesforce_id15('"AccountId"') }} as account_id15,
        -- attributes
        "FirstName" as first_name,
        "LastName" as last_name,
        "Email" as email_raw,
        {{ normalize_email('"Email"') }} as email,
        "Phone" as phone_raw,
        "Phone_e164" as phone_e164,
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
