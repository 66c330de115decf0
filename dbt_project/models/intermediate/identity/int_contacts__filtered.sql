-- Contacts that take part in identity resolution: not deleted, and their account exists and is
-- not deleted (docs/kpis.md section 1). Carries what the tie-break needs from the account.
with contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

accounts as (
    select * from {{ ref('int_accounts__filtered') }}
),

final as (
    select
        -- ids
        contacts.contact_id,
        accounts.customer_id,
        accounts.account_id,
        accounts.account_id15,
        -- contact points (normalised in staging; null when invalid)
        contacts.email,
        contacts.phone_e164,
        -- dates
        accounts.created_at as account_created_at
    from contacts
    inner join accounts
        on contacts.account_id15 = accounts.account_id15
    where not contacts.is_deleted
)

select * from final
