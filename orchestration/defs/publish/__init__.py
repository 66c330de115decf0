"""Publication: the audited KPI candidate becomes `published.cco_kpi_monthly`."""
