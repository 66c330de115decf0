-- Every call linked to a customer by the first rule that applies (docs/kpis.md section 1): ivr (the
-- IVR entry is a non-deleted billing customer's id), phone_crm (the caller's phone is a phone of
-- a contact taking part, with the contact tie-break), phone_billing (it is the phone of a
-- non-deleted billing customer: the one created first, then the smallest id), else anonymous.
-- For an outbound call the number is the other party's, so the same rules apply.
with calls as (
    select
        call_id,
        direction,
        customer_ref,
        caller_e164
    from {{ ref('stg_call_center__calls') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers__linked') }}
    where billing_status = 'delivered'
),

contact_phones as (
    select
        contact_point as phone_e164,
        customer_id
    from {{ ref('int_contact_points__resolved') }}
    where contact_point_type = 'phone'
),

billing_phones_ranked as (
    select
        phone_e164,
        billing_customer_id,
        customer_id,
        row_number() over (
            partition by phone_e164
            order by created_at, {{ binary_collate('billing_customer_id') }}
        ) as phone_rank
    from billing_customers
    where phone_e164 is not null
),

billing_phones as (
    select
        phone_e164,
        billing_customer_id,
        customer_id
    from billing_phones_ranked
    where phone_rank = 1
),

matched as (
    select
        calls.call_id,
        calls.direction in ('inbound', 'outbound') as is_linkable,
        ivr.billing_customer_id as ivr_billing_customer_id,
        ivr.customer_id as ivr_customer_id,
        contact_phones.customer_id as phone_crm_customer_id,
        billing_phones.billing_customer_id as phone_billing_billing_customer_id,
        billing_phones.customer_id as phone_billing_customer_id
    from calls
    left join billing_customers as ivr
        on calls.customer_ref = ivr.billing_customer_id
    left join contact_phones
        on calls.caller_e164 = contact_phones.phone_e164
    left join billing_phones
        on calls.caller_e164 = billing_phones.phone_e164
),

final as (
    select
        -- ids
        call_id,
        case
            when not is_linkable then null
            when ivr_customer_id is not null then ivr_customer_id
            when phone_crm_customer_id is not null then phone_crm_customer_id
            else phone_billing_customer_id
        end as customer_id,
        case
            when not is_linkable then null
            when ivr_customer_id is not null then ivr_billing_customer_id
            when phone_crm_customer_id is not null then null
            else phone_billing_billing_customer_id
        end as billing_customer_id,
        -- resolution
        case
            when not is_linkable then 'anonymous'
            when ivr_customer_id is not null then 'ivr'
            when phone_crm_customer_id is not null then 'phone_crm'
            when phone_billing_customer_id is not null then 'phone_billing'
            else 'anonymous'
        end as link_rule
    from matched
)

select * from final
