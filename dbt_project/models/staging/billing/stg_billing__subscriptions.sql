{{ config(unique_key='subscription_id') }}

with latest as (
    {{ latest_versions(source('billing', 'billing_subscriptions'), 'id') }}
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
        {{ lineage_columns() }}
    from latest
)

select * from final
