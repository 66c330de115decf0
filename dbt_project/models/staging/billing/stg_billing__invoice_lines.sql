-- The lines of the winning version of each invoice (an invoice re-delivered with other lines
-- replaces its lines as a whole).
with invoices as (
    select
        invoice_id,
        currency,
        source_file,
        source_line
    from {{ ref('stg_billing__invoices') }}
),

lines as (
    select * from {{ source('billing', 'billing_invoice_lines') }}
),

final as (
    select
        -- ids
        invoices.invoice_id || ':' || cast(lines.line_index as varchar) as invoice_line_key,
        lines.id as invoice_line_id,
        invoices.invoice_id,
        lines.line_index,
        -- attributes
        coalesce(lines.currency, invoices.currency) as currency,
        lines.quantity,
        lines.recurring_interval,
        lines.recurring_interval_count,
        -- amounts
        lines.amount as amount_minor,
        -- dates
        {{ from_unix_seconds('lines.period_start') }} as period_start_at,
        {{ from_unix_seconds('lines.period_end') }} as period_end_at,
        -- flags
        lines.recurring is not null as is_recurring,
        coalesce(lines.proration, false) as is_proration
    from lines
    inner join invoices
        on
            lines.invoice_id = invoices.invoice_id
            and lines._source_file = invoices.source_file
            and lines._source_line = invoices.source_line
)

select * from final
