-- Each (month, kpi) whose value changed after it was first published (a late or corrected
-- delivery restated it): the first value shown and when, the current value and since when.
-- Values are compared to 6 decimals, so a recomputation's floating-point noise is no restatement.
-- Rebuilt by the publish step in the same transaction that appends the new publication.
with history as (
    select
        month,
        kpi,
        value,
        run_id,
        published_at,
        cast(value as decimal(38, 6)) as compared_value
    from {{ source('published', 'cco_kpi_monthly_history') }}
),

sequenced as (
    select
        history.*,
        row_number() over (
            partition by history.month, history.kpi order by history.published_at, history.run_id
        ) as publication_number,
        row_number() over (
            partition by history.month, history.kpi
            order by history.published_at desc, history.run_id desc
        ) as recency,
        lag(history.compared_value) over (
            partition by history.month, history.kpi order by history.published_at, history.run_id
        ) as previous_value
    from history
),

-- the publications where a cell took a new value: its first one, and each change after it
value_changes as (
    select
        month,
        kpi,
        published_at,
        row_number() over (
            partition by month, kpi order by published_at desc, run_id desc
        ) as recency
    from sequenced
    where
        publication_number = 1
        or compared_value is distinct from previous_value
),

first_published as (
    select
        month,
        kpi,
        value,
        compared_value,
        published_at,
        run_id
    from sequenced
    where publication_number = 1
),

current_published as (
    select
        month,
        kpi,
        value,
        compared_value,
        run_id
    from sequenced
    where recency = 1
),

current_since as (
    select
        month,
        kpi,
        published_at
    from value_changes
    where recency = 1
)

select
    first_published.month,
    first_published.kpi,
    first_published.value as first_value,
    first_published.published_at as first_published_at,
    first_published.run_id as first_run_id,
    current_published.value as current_value,
    current_since.published_at as current_since,
    current_published.run_id as current_run_id
from first_published
inner join current_published
    on
        first_published.month = current_published.month
        and first_published.kpi = current_published.kpi
inner join current_since
    on
        first_published.month = current_since.month
        and first_published.kpi = current_since.kpi
where first_published.compared_value is distinct from current_published.compared_value
