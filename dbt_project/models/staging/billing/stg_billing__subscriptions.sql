with source as (
    select * from {{ source('billing', 'billing_subscriptions') }}
),

ranked as (
    select *, {{ latest_delivery_rank('id') }} as version_rank from source
),

final as (
    select
        -- ids
        id as subscription_id,
        customer as billing_customer_id,
        -- attributes
        status,
        currency,
        items as items_json,
        -- dates
        {{ from_unix_seconds('created') }} as created_at,
        {{ from_unix_seconds('start_date') }} as started_at,
        {{ from_unix_seconds('canceled_at') }} as canceled_at,
        {{ from_unix_seconds('ended_at') }} as ended_at,
        {{ from_unix_seconds('trial_end') }} as trial_ends_at,
        -- lineage
        _delivery_date as delivery_date,
        _source_file as source_file,
        _source_line as source_line
    from ranked
    where version_rank = 1
)

select * from final
