-- Every publication of the CCO KPIs, appended by the publish step right after it replaced
-- cco_kpi_monthly: one row per (publication, month, kpi). Append only: never rewritten, not even
-- by `--full-refresh`, so what the CCO was shown on any day can always be read back.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail'
) }}
{{ require_gated_run() }}

select
    month,
    kpi,
    value,
    numerator,
    denominator,
    run_id,
    published_at
from {{ ref('cco_kpi_monthly') }}
where run_id = '{{ env_var("C360_RUN_ID", "") }}'
