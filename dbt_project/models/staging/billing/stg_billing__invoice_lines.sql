-- The lines of the winning version of each invoice (an invoice re-delivered with other lines
-- replaces its lines as a whole).
-- Incremental: the lines of the invoice versions staged from the latest delivery held onwards.
-- Before they are inserted, every line held for those invoices is deleted (the pre-hook): a new
-- version may have fewer lines, or none, and its old lines must not stay behind.
{{ config(
    unique_key='invoice_line_key',
    pre_hook="{% if is_incremental() %}{{ delete_replaced_invoice_lines() }}{% endif %}"
) }}

with invoices as (
    select
        invoice_id,
        currency,
        delivery_date,
        source_file,
        source_line
    from {{ ref('stg_billing__invoices') }}
    {%- if is_incremental() %}
    where delivery_date >= {{ held_deliveries_from() }}
    {%- endif %}
),

lines as (
    select * from {{ source('billing', 'billing_invoice_lines') }}
    {%- if is_incremental() %}
    where _delivery_date >= {{ held_deliveries_from() }}
    {%- endif %}
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
        coalesce(lines.proration, false) as is_proration,
        -- lineage: the delivery of the invoice version the line belongs to
        invoices.delivery_date
    from lines
    inner join invoices
        on
            lines.invoice_id = invoices.invoice_id
            and lines._source_file = invoices.source_file
            and lines._source_line = invoices.source_line
)

select * from final
