{{ config(unique_key='survey_id') }}

with latest as (
    {{ latest_versions(source('call_center', 'call_center_surveys'), 'survey_id') }}
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
        {{ lineage_columns() }}
    from latest
)

select * from final
