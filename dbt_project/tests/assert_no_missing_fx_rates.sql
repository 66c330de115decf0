-- docs/sources.md: a counting line that converts in a reported month whose currency has no rate
-- understates MRR. The blocking decision belongs to the quality gate `fx_rates_complete`
-- (expectations/), which reads the same model; here it is a warning, so that dbt still builds
-- the KPI candidate the gate then refuses to publish.
{{ config(severity='warn', meta={'c360': {'enforced_by': 'fx_rates_complete'}}) }}

select * from {{ ref('int_revenue__missing_fx_rates') }}
