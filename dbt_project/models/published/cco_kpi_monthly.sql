-- The KPIs the CCO sees. Built only by the publish step, after every blocking quality gate on
-- marts.kpi_monthly passed (write-audit-publish); dbt swaps the table in one transaction, so a
-- reader sees either the previous publication or this one, never a mix.
{{ require_gated_run() }}

with candidate as (
    select * from {{ ref('kpi_monthly') }}
),

final as (
    select
        cast(month as date) as month,
        cast(kpi as varchar) as kpi,
        cast(value as double precision) as value,
        cast(numerator as double precision) as numerator,
        cast(denominator as double precision) as denominator,
        cast('{{ env_var("C360_RUN_ID", "") }}' as varchar)
            as run_id,
        cast({{ dbt.current_timestamp() }} as timestamp) as published_at
    from candidate
)

select * from final
