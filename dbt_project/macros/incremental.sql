{# What the incremental models delete before a run inserts their new rows (their pre-hooks). #}

{# Invoice lines (stg_billing__invoice_lines): the held lines of every invoice staged from the
   latest delivery the model holds onwards, so that a new version's lines replace the old ones
   whole, however many it has. #}
{% macro delete_replaced_invoice_lines() -%}
    delete from {{ this }}
    where invoice_id in (
        select invoices.invoice_id
        from {{ ref('stg_billing__invoices') }} as invoices
        where invoices.delivery_date >= {{ held_deliveries_from() }}
    )
{%- endmacro %}
