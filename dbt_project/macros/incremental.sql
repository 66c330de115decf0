{# What the incremental models delete before a run inserts their new rows (their pre-hooks).

   The incremental intermediates are built in two steps: the pre-hook deletes the held rows
   whose inputs changed, found by comparing the held rows with their inputs as they are now (so
   no delivery date is needed, and nothing is missed whichever entity the change came in); then
   the model computes the rows of every key that has a row missing, and inserts them
   (delete+insert on the model's unique_key). A key whose rows are all gone (a deleted customer,
   a voided invoice) is thereby removed, and a changed key is recomputed whole. #}

{# The config the incremental intermediates share, beside their own unique_key and pre-hook:
   `{{ config(unique_key=..., pre_hook=..., **incremental_intermediate_config()) }}`. On Spark's
   plain Parquet tables no row can be deleted: they are tables there, rebuilt whole (and their
   pre-hooks, guarded by is_incremental(), do nothing). #}
{% macro incremental_intermediate_config() -%}
    {{ return({
        'materialized': 'table' if target.type == 'spark' else 'incremental',
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

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

{# Calls (int_calls__enriched): a call is changed when its staged version or its customer link
   differs from the held row, or it is no longer staged. First-contact resolution compares the
   calls of one customer, so every call of a customer that had or now has a changed call is
   deleted too (a new call can turn an earlier one into a repeat). The changed calls are found
   once, in a materialized CTE, and read three times. #}
{% macro delete_changed_calls() -%}
    with changed as materialized (
        select held.call_id
        from {{ this }} as held
        left join {{ ref('stg_call_center__calls') }} as calls
            on held.call_id = calls.call_id
        left join {{ ref('int_calls__linked') }} as links
            on held.call_id = links.call_id
        where
            calls.call_id is null
            or links.call_id is null
            or held.customer_id is distinct from links.customer_id
            or held.billing_customer_id is distinct from links.billing_customer_id
            or held.link_rule is distinct from links.link_rule
            or held.agent_id is distinct from calls.agent_id
            or held.direction is distinct from calls.direction
            or held.queue is distinct from calls.queue
            or held.disposition is distinct from calls.disposition
            or held.started_at is distinct from calls.started_at
            or held.answered_at is distinct from calls.answered_at
            or held.ended_at is distinct from calls.ended_at
            or held.wrap_seconds is distinct from calls.wrap_seconds
    )

    delete from {{ this }}
    where
        call_id in (select changed.call_id from changed)
        or customer_id in (
            select held.customer_id
            from {{ this }} as held
            inner join changed on held.call_id = changed.call_id
            union
            select links.customer_id
            from {{ ref('int_calls__linked') }} as links
            inner join changed on links.call_id = changed.call_id
        )
{%- endmacro %}

{# Spread invoice lines (int_invoice_lines__spread_monthly): a line is changed when its counting
   line differs from what was spread (amount, interval, period, currency, customer: a re-delivered
   invoice, a changed identity), or no longer counts (a voided invoice, a dropped line), or a
   covered month's FX rate differs from the one applied. #}
{% macro delete_changed_spread_lines() -%}
    delete from {{ this }}
    where invoice_line_key in (
        select held.invoice_line_key
        from {{ this }} as held
        left join {{ ref('int_invoice_lines__counted') }} as lines
            on held.invoice_line_key = lines.invoice_line_key
        left join {{ ref('stg_finance__fx_rates') }} as fx_rates
            on
                held.covered_month = fx_rates.rate_month
                and held.currency = fx_rates.currency
        where
            lines.invoice_line_key is null
            or held.invoice_id is distinct from lines.invoice_id
            or held.billing_customer_id is distinct from lines.billing_customer_id
            or held.customer_id is distinct from lines.customer_id
            or held.currency is distinct from lines.currency
            or held.interval_months is distinct from lines.interval_months
            or held.period_start_month is distinct from lines.period_start_month
            or held.amount is distinct from lines.amount
            or (
                held.currency <> 'usd'
                and held.usd_per_unit
                is distinct from cast(fx_rates.usd_per_unit as double precision)
            )
    )
{%- endmacro %}

{# Customer MRR (int_mrr__customer_monthly): when the reported months changed (a new month
   reported, or a back-dated line moving the first month earlier) every row is deleted, since
   each customer's grid and its first-month movements change. Otherwise a customer is deleted
   when it is no longer a customer (a deleted account) or one of its monthly sums differs from
   the spread lines as they are now. #}
{% macro delete_changed_customer_mrr() -%}
    delete from {{ this }}
    where
        exists (
            select 1
            from (
                select
                    month,
                    is_first_reported_month
                from {{ ref('int_calendar__reported_months') }}
            ) as months
            full outer join (
                select distinct
                    month,
                    is_first_reported_month
                from {{ this }}
            ) as held_months
                on
                    months.month = held_months.month
                    and months.is_first_reported_month = held_months.is_first_reported_month
            where months.month is null or held_months.month is null
        )
        or customer_id not in (
            select customers.customer_id
            from {{ ref('int_customers__unioned') }} as customers
            where customers.customer_id is not null
        )
        or customer_id in (
            select coalesce(held.customer_id, sums.customer_id)
            from (
                select
                    customer_id,
                    month,
                    mrr_usd,
                    counting_line_count,
                    missing_fx_line_count
                from {{ this }}
                where counting_line_count > 0
            ) as held
            full outer join (
                select
                    spread.customer_id,
                    spread.covered_month as month,
                    sum(spread.monthly_amount_usd) as mrr_usd,
                    count(*) as counting_line_count,
                    sum(case when spread.is_missing_fx_rate then 1 else 0 end)
                        as missing_fx_line_count
                from {{ ref('int_invoice_lines__spread_monthly') }} as spread
                inner join {{ ref('int_calendar__reported_months') }} as reported_months
                    on spread.covered_month = reported_months.month
                group by spread.customer_id, spread.covered_month
            ) as sums
                on
                    held.customer_id = sums.customer_id
                    and held.month = sums.month
            where
                held.customer_id is null
                or sums.customer_id is null
                or held.counting_line_count <> sums.counting_line_count
                or held.missing_fx_line_count <> sums.missing_fx_line_count
                or held.mrr_usd is distinct from coalesce(sums.mrr_usd, 0)
        )
{%- endmacro %}
