-- docs/kpis.md section 3: the rates, service_level_20s and csat are fractions in [0, 1].
select *
from {{ ref('kpi_monthly') }}
where
    kpi in ('logo_churn_rate', 'abandonment_rate', 'service_level_20s', 'fcr_rate', 'csat')
    and (value < 0 or value > 1)
