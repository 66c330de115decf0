with source as (
    select * from {{ source('call_center', 'call_center_calls') }}
),

ranked as (
    select *, {{ latest_delivery_rank('call_id') }} as version_rank from source
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
        _delivery_date as delivery_date,
        _source_file as source_file,
        _source_line as source_line
    from ranked
    where version_rank = 1
)

select * from final
