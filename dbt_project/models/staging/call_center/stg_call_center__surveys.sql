with source as (
    select * from {{ source('call_center', 'call_center_surveys') }}
),

ranked as (
    select *, {{ latest_delivery_rank('survey_id') }} as version_rank from source
),

final as (
    select
        -- ids
        survey_id,
        call_id,
        -- dates (UTC)
        responded_at,
        -- scores
        csat,
        nps,
        effort,
        comment,
        -- lineage
        _delivery_date as delivery_date,
        _source_file as source_file,
        _source_line as source_line
    from ranked
    where version_rank = 1
)

select * from final
