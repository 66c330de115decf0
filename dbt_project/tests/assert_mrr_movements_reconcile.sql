-- docs/kpis.md section 3: the movements reconcile,
--   mrr(M) = mrr(M-1) + new + reactivation + expansion - contraction - churned,
-- in every reported month (to half a cent); in the first reported month every active customer is
-- new, so mrr = new_mrr. Returns the months that do not reconcile.
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}

with kpis as (
    select * from {{ ref('kpi_monthly') }}
),

months as (
    select * from {{ ref('int_calendar__reported_months') }}
),

pivoted as (
    select
        month,
        max(case when kpi = 'mrr_usd' then value end) as mrr_usd,
        max(case when kpi = 'new_mrr_usd' then value end) as new_mrr_usd,
        max(case when kpi = 'reactivation_mrr_usd' then value end) as reactivation_mrr_usd,
        max(case when kpi = 'expansion_mrr_usd' then value end) as expansion_mrr_usd,
        max(case when kpi = 'contraction_mrr_usd' then value end) as contraction_mrr_usd,
        max(case when kpi = 'churned_mrr_usd' then value end) as churned_mrr_usd
    from kpis
    group by month
),

with_previous as (
    select
        pivoted.*,
        lag(pivoted.mrr_usd) over (order by pivoted.month) as previous_mrr_usd
    from pivoted
),

explained as (
    select
        with_previous.*,
        months.is_first_reported_month,
        case
            when months.is_first_reported_month then with_previous.new_mrr_usd
            else
                with_previous.previous_mrr_usd + with_previous.new_mrr_usd
                + with_previous.reactivation_mrr_usd + with_previous.expansion_mrr_usd
                - with_previous.contraction_mrr_usd - with_previous.churned_mrr_usd
        end as explained_mrr_usd
    from with_previous
    inner join months
        on with_previous.month = months.month
)

select *
from explained
where
    explained_mrr_usd is null
    or abs(mrr_usd - explained_mrr_usd) > 0.005
