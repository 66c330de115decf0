-- CRM accounts that anchor customers: delivered and not deleted. Salesforce ids match on their
-- first 15 characters, so an account is one per 15-character id (were one delivered under two
-- 18-character spellings, the earliest created, then the smallest Id, speaks for it).
with accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

kept as (
    select * from accounts
    where not is_deleted
),

ranked as (
    select
        kept.*,
        row_number() over (
            partition by kept.account_id15
            order by kept.created_at, {{ binary_collate('account_id') }}
        ) as id15_rank
    from kept
),

final as (
    select
        -- ids
        'crm:' || account_id15 as customer_id,
        account_id,
        account_id15,
        -- attributes
        account_name,
        account_type,
        industry,
        billing_country,
        -- dates
        created_at
    from ranked
    where id15_rank = 1
)

select * from final
