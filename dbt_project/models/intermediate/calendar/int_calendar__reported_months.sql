-- The month spine of the published KPIs: every complete month from the first month covered by a
-- counting invoice line, or holding a call or a survey, to the last complete month before the
-- as-of date. Months without any activity are in it too (docs/kpis.md section 3).
with recursive

as_of as (
    select * from {{ ref('int_calendar__as_of_date') }}
),

counting_lines as (
    select period_start_month from {{ ref('int_invoice_lines__counted') }}
),

calls as (
    select started_at from {{ ref('stg_call_center__calls') }}
),

surveys as (
    select responded_at from {{ ref('stg_call_center__surveys') }}
),

activity_months as (
    select period_start_month as month_start from counting_lines
    union all
    select cast({{ dbt.date_trunc('month', 'started_at') }} as date) from calls
    union all
    select cast({{ dbt.date_trunc('month', 'responded_at') }} as date) from surveys
),

bounds as (
    select
        (select min(activity_months.month_start) from activity_months) as first_month,
        last_reported_month as last_month
    from as_of
),

months (month_start) as (
    select first_month
    from bounds
    where first_month <= last_month
    union all
    select cast(({{ dbt.dateadd('month', 1, 'months.month_start') }}) as date)
    from months
    cross join bounds
    where months.month_start < bounds.last_month
),

final as (
    select
        months.month_start as month,
        cast(({{ dbt.dateadd('month', -1, 'months.month_start') }}) as date) as previous_month,
        -- the first instant after the month (UTC): "end" of docs/kpis.md section 4
        cast(({{ dbt.dateadd('month', 1, 'months.month_start') }}) as timestamp) as month_end_at,
        months.month_start = bounds.first_month as is_first_reported_month,
        months.month_start = bounds.last_month as is_last_reported_month
    from months
    cross join bounds
)

select * from final
