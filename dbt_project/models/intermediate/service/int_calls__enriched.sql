-- Every call with its customer link, its durations and the flags the service KPIs count
-- (docs/kpis.md section 3). A short abandon is a call not answered that lasted under 5 seconds; an
-- offered call is an inbound call that is not a short abandon. First-contact resolution is judged
-- for answered inbound calls linked to a customer: resolved, and no other inbound call of the
-- same customer (short abandons excluded) starts after it ended and at most 7 days later.
-- Incremental by customer: the pre-hook deletes the calls of every customer with a changed, new
-- or relinked call (macros/incremental.sql), and a run computes the calls not held together with
-- every other call of their customers, so each customer's repeats are judged over all its calls.
{{ config(
    unique_key='call_id',
    pre_hook="{% if is_incremental() %}{{ delete_changed_calls() }}{% endif %}",
    **incremental_intermediate_config()
) }}

with calls as (
    select * from {{ ref('stg_call_center__calls') }}
),

all_links as (
    select * from {{ ref('int_calls__linked') }}
),

{%- if is_incremental() %}

missing as (
    select
        all_links.call_id,
        all_links.customer_id
    from all_links
    where not exists (
        select 1 from {{ this }} as held
        where held.call_id = all_links.call_id
    )
),

links as (
    select all_links.*
    from all_links
    where
        all_links.call_id in (select missing.call_id from missing)
        or all_links.customer_id in (
            select missing.customer_id from missing
            where missing.customer_id is not null
        )
),
{%- else %}

links as (
    select * from all_links
),
{%- endif %}

measured as (
    select
        calls.call_id,
        links.customer_id,
        links.billing_customer_id,
        links.link_rule,
        calls.agent_id,
        calls.direction,
        calls.queue,
        calls.disposition,
        calls.started_at,
        calls.answered_at,
        calls.ended_at,
        cast({{ dbt.date_trunc('month', 'calls.started_at') }} as date) as call_month,
        {{ seconds_between('calls.started_at', 'calls.answered_at') }} as wait_seconds,
        {{ seconds_between('calls.answered_at', 'calls.ended_at') }} + calls.wrap_seconds
            as handle_seconds,
        {{ seconds_between('calls.started_at', 'calls.ended_at') }} as duration_seconds,
        calls.wrap_seconds,
        calls.direction = 'inbound' as is_inbound,
        calls.answered_at is not null as is_answered,
        calls.disposition = 'escalated' as is_escalated
    from calls
    inner join links
        on calls.call_id = links.call_id
),

abandons as (
    select
        measured.*,
        not measured.is_answered and measured.duration_seconds < 5 as is_short_abandon
    from measured
),

flagged as (
    select
        abandons.*,
        abandons.is_inbound and not abandons.is_short_abandon as is_offered,
        abandons.is_inbound
        and abandons.is_answered
        and abandons.customer_id is not null as is_fcr_eligible
    from abandons
),

repeat_contacts as (
    select
        judged.call_id,
        count(*) as repeat_call_count
    from flagged as judged
    inner join flagged as later
        on
            judged.customer_id = later.customer_id
            and later.call_id <> judged.call_id
            and later.started_at > judged.ended_at
            and later.started_at <= {{ dbt.dateadd('day', 7, 'judged.ended_at') }}
    where
        judged.is_fcr_eligible
        and later.is_offered
    group by judged.call_id
),

final as (
    select
        -- ids
        flagged.call_id,
        flagged.customer_id,
        flagged.billing_customer_id,
        flagged.agent_id,
        -- attributes
        flagged.link_rule,
        flagged.direction,
        flagged.queue,
        flagged.disposition,
        -- dates (UTC)
        flagged.started_at,
        flagged.answered_at,
        flagged.ended_at,
        flagged.call_month,
        -- measures (seconds)
        flagged.wait_seconds,
        flagged.handle_seconds,
        flagged.duration_seconds,
        flagged.wrap_seconds,
        case
            when flagged.is_fcr_eligible then coalesce(repeat_contacts.repeat_call_count, 0)
        end as repeat_calls_within_7d,
        -- flags
        flagged.is_inbound,
        flagged.is_answered,
        flagged.is_short_abandon,
        flagged.is_offered,
        flagged.is_inbound and flagged.is_answered and flagged.wait_seconds <= 20
            as is_answered_within_20s,
        flagged.is_escalated,
        flagged.is_fcr_eligible,
        case
            when flagged.is_fcr_eligible
                then flagged.disposition = 'resolved' and repeat_contacts.call_id is null
        end as is_fcr
    from flagged
    left join repeat_contacts
        on flagged.call_id = repeat_contacts.call_id
)

select * from final
