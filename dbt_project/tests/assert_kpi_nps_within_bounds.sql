-- docs/kpis.md section 3: nps lies in [-100, 100].
select *
from {{ ref('kpi_monthly') }}
where
    kpi = 'nps'
    and (value < -100 or value > 100)
