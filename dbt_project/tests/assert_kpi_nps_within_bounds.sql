-- docs/kpis.md section 3: a KPI whose catalogued unit is nps lies in [-100, 100].
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}

with nps_kpis as (
    select kpi from {{ ref('kpi_catalogue') }}
    where unit = 'nps'
)

select kpi_monthly.*
from {{ ref('kpi_monthly') }} as kpi_monthly
inner join nps_kpis
    on kpi_monthly.kpi = nps_kpis.kpi
where kpi_monthly.value < -100 or kpi_monthly.value > 100
