-- The KPIs the CCO sees. Built only by the publish step, after every blocking quality gate on
-- marts.kpi_monthly passed (write-audit-publish); dbt swaps the table in one transaction, so a
-- reader sees either the previous publication or this one, never a mix.
{{ require_gated_run() }}

with candidate as (
    select
        *,
        '{{ env_var("C360_RUN_ID", "") }}' as run_id,
        {{ dbt.current_timestamp() }} as published_at
    from {{ ref('kpi_monthly') }}
),

final as (
    {{ select_contract('candidate') }}
)

select * from final
