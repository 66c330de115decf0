-- docs/kpis.md section 3: the KPIs whose catalogued unit is rate (the rates, service_level_20s,
-- csat and grr) are fractions in [0, 1].
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}

with rates as (
    select kpi from {{ ref('kpi_catalogue') }}
    where unit = 'rate'
)

select kpi_monthly.*
from {{ ref('kpi_monthly') }} as kpi_monthly
inner join rates
    on kpi_monthly.kpi = rates.kpi
where kpi_monthly.value < 0 or kpi_monthly.value > 1
