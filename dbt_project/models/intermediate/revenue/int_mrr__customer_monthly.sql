-- MRR(c, M) for every customer and every reported month (a dense grid: health needs every pair,
-- and M-1 / M-3 are then plain lags): the sum of the USD monthly amounts of the counting lines of
-- the customer's invoices that cover M. Active when MRR > 0 (beyond rounding noise, see
-- kpi_mrr_epsilon). MRR of a month before the data is 0. The movement of M against M-1 follows
-- docs/kpis.md section 3; in the first reported month every active customer is new.
-- Incremental by customer: the pre-hook deletes every customer whose monthly sums changed or who
-- is no longer a customer, and everything when the reported months changed
-- (macros/incremental.sql); a run computes the whole grid of the customers not held.
{{ config(
    unique_key='customer_id',
    pre_hook="{% if is_incremental() %}{{ delete_changed_customer_mrr() }}{% endif %}",
    **incremental_intermediate_config()
) }}

with customers as (
    select unioned.customer_id
    from {{ ref('int_customers__unioned') }} as unioned
    {%- if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as held
        where held.customer_id = unioned.customer_id
    )
    {%- endif %}
),

months as (
    select
        month,
        is_first_reported_month
    from {{ ref('int_calendar__reported_months') }}
),

line_months as (
    select spread.*
    from {{ ref('int_invoice_lines__spread_monthly') }} as spread
    {%- if is_incremental() %}
    where spread.customer_id in (select customers.customer_id from customers)
    {%- endif %}
),

monthly_amounts as (
    select
        customer_id,
        covered_month as month,
        sum(monthly_amount_usd) as mrr_usd,
        count(*) as counting_line_count,
        sum(case when is_missing_fx_rate then 1 else 0 end) as missing_fx_line_count
    from line_months
    group by customer_id, covered_month
),

customer_months as (
    select
        customers.customer_id,
        months.month,
        months.is_first_reported_month,
        coalesce(monthly_amounts.mrr_usd, 0) as mrr_usd,
        coalesce(monthly_amounts.counting_line_count, 0) as counting_line_count,
        coalesce(monthly_amounts.missing_fx_line_count, 0) as missing_fx_line_count
    from customers
    cross join months
    left join monthly_amounts
        on
            customers.customer_id = monthly_amounts.customer_id
            and months.month = monthly_amounts.month
),

activity as (
    select
        customer_months.*,
        customer_months.mrr_usd > {{ kpi_mrr_epsilon() }} as is_active
    from customer_months
),

history as (
    select
        activity.*,
        coalesce(
            lag(activity.mrr_usd, 1)
                over (partition by activity.customer_id order by activity.month),
            0
        )
            as previous_mrr_usd,
        coalesce(
            lag(activity.mrr_usd, 3)
                over (partition by activity.customer_id order by activity.month),
            0
        )
            as mrr_3_months_ago_usd,
        coalesce(
            lag(activity.is_active, 1)
                over (partition by activity.customer_id order by activity.month),
            false
        )
            as was_active_previous_month,
        coalesce(
            max(case when activity.is_active then 1 else 0 end) over (
                partition by activity.customer_id
                order by activity.month
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) = 1 as was_active_before
    from activity
),

movements as (
    select
        history.*,
        case
            when
                history.is_active
                and not history.was_active_previous_month
                and history.was_active_before
                then 'reactivation'
            when history.is_active and not history.was_active_previous_month then 'new'
            when not history.is_active and history.was_active_previous_month then 'churn'
            when
                history.is_active
                and history.mrr_usd - history.previous_mrr_usd > {{ kpi_mrr_epsilon() }}
                then 'expansion'
            when
                history.is_active
                and history.previous_mrr_usd - history.mrr_usd > {{ kpi_mrr_epsilon() }}
                then 'contraction'
            when history.is_active then 'flat'
        end as mrr_movement
    from history
),

final as (
    select
        -- keys
        customer_id,
        month,
        -- amounts: MRR(c, M), MRR(c, M-1), MRR(c, M-3)
        mrr_usd,
        previous_mrr_usd,
        mrr_3_months_ago_usd,
        -- movement amounts (each sums to its monthly KPI)
        case when mrr_movement = 'new' then mrr_usd else 0 end as new_mrr_usd,
        case when mrr_movement = 'reactivation' then mrr_usd else 0 end as reactivation_mrr_usd,
        case
            when
                is_active and was_active_previous_month
                then greatest(0, mrr_usd - previous_mrr_usd)
            else 0
        end as expansion_mrr_usd,
        case
            when
                is_active and was_active_previous_month
                then greatest(0, previous_mrr_usd - mrr_usd)
            else 0
        end as contraction_mrr_usd,
        case when mrr_movement = 'churn' then previous_mrr_usd else 0 end as churned_mrr_usd,
        -- attributes
        mrr_movement,
        counting_line_count,
        missing_fx_line_count,
        -- flags
        is_active,
        was_active_previous_month,
        was_active_before,
        is_first_reported_month
    from movements
)

select * from final
