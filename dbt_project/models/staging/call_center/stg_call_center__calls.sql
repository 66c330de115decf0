{{ config(unique_key='call_id') }}

with latest as (
    {{ latest_versions(source('call_center', 'call_center_calls'), 'call_id') }}
),

final as (
    select
        -- ids
        call_id,
        nullif(trim(customer_ref), '') as customer_ref,
        agent_id,
        -- attributes
        direction,
        queue,
        disposition,
        caller_number as caller_number_raw,
        caller_number_e164 as caller_e164,
        -- dates (UTC; the export's local offsets are applied at ingestion)
        started_at,
        answered_at,
        ended_at,
        -- measures
        coalesce(wrap_seconds, 0) as wrap_seconds,
        -- lineage
        {{ lineage_columns() }}
    from latest
)

select * from final
