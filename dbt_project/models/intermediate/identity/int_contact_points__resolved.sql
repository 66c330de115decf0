-- Each email and each phone of the contacts taking part, resolved to one account (docs/kpis.md
-- section 1): the account with the most matching contacts wins, then the account with the
-- earliest CreatedDate, then the smallest account Id. The match depends only on the value, so
-- billing customers (rules email, phone) and callers (rule phone_crm) share this resolution.
with contacts as (
    select * from {{ ref('int_contacts__filtered') }}
),

contact_points as (
    select
        'email' as contact_point_type,
        email as contact_point,
        contact_id,
        customer_id,
        account_id,
        account_created_at
    from contacts
    where email is not null
    union all
    select
        'phone' as contact_point_type,
        phone_e164 as contact_point,
        contact_id,
        customer_id,
        account_id,
        account_created_at
    from contacts
    where phone_e164 is not null
),

candidates as (
    select
        contact_point_type,
        contact_point,
        customer_id,
        account_id,
        account_created_at,
        count(*) as matching_contacts
    from contact_points
    group by contact_point_type, contact_point, customer_id, account_id, account_created_at
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.contact_point_type, candidates.contact_point
            order by
                candidates.matching_contacts desc,
                candidates.account_created_at asc,
                {{ binary_collate('account_id') }} asc
        ) as candidate_rank,
        count(*)
            over (partition by candidates.contact_point_type, candidates.contact_point)
            as candidate_accounts
    from candidates
),

final as (
    select
        -- keys
        contact_point_type,
        contact_point,
        -- resolution
        customer_id,
        account_id,
        -- measures
        matching_contacts,
        candidate_accounts
    from ranked
    where candidate_rank = 1
)

select * from final
