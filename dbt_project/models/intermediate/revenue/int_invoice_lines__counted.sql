-- The invoice lines that count for revenue (docs/kpis.md section 2): the invoice's status (in its
-- latest delivered version) is open or paid, the line's price.recurring is not null and it is
-- not a proration. Each carries its interval length k = interval_count x (1 for month, 12 for
-- year), the month of its period start, and the customer of its invoice's billing customer.
with lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

billing_customers as (
    select
        billing_customer_id,
        customer_id
    from {{ ref('int_billing_customers__linked') }}
),

counting as (
    select
        lines.invoice_line_key,
        lines.invoice_id,
        invoices.billing_customer_id,
        invoices.status as invoice_status,
        -- lines are in the invoice's currency (docs/sources.md); ISO codes compared in lower case
        lower(invoices.currency) as currency,
        lines.amount_minor,
        lines.recurring_interval,
        lines.recurring_interval_count,
        lines.period_start_at,
        lines.period_end_at
    from lines
    inner join invoices
        on lines.invoice_id = invoices.invoice_id
    where
        invoices.status in ('open', 'paid')
        and lines.is_recurring
        and not lines.is_proration
),

sized as (
    select
        counting.*,
        counting.recurring_interval_count * case counting.recurring_interval
            when 'month' then 1
            when 'year' then 12
        end as interval_months,
        cast({{ dbt.date_trunc('month', 'counting.period_start_at') }} as date)
            as period_start_month
    from counting
),

final as (
    select
        -- ids
        sized.invoice_line_key,
        sized.invoice_id,
        sized.billing_customer_id,
        billing_customers.customer_id,
        -- attributes
        sized.invoice_status,
        sized.currency,
        sized.recurring_interval,
        sized.recurring_interval_count,
        sized.interval_months,
        -- amounts: minor units, and major units (amount / 100) in `currency`
        sized.amount_minor,
        cast(sized.amount_minor as double precision) / 100 as amount,
        -- dates
        sized.period_start_at,
        sized.period_end_at,
        sized.period_start_month
    from sized
    left join billing_customers
        on sized.billing_customer_id = billing_customers.billing_customer_id
)

select * from final
