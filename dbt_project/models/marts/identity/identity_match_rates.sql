-- How identity resolution went, for BI: per source and rule, the records it linked and their
-- share of that source's records. Every rule has a row, with 0 when it linked nothing.
with identity_map as (
    select * from {{ ref('customer_identity_map') }}
),

calls as (
    select * from {{ ref('int_calls__linked') }}
),

rules as (
    -- the alias names the columns of the values list, so it is used (AL05 cannot see that)
    select * from (
        values
        ('crm', 'account', 'crm_account', 1),
        ('billing', 'billing_customer', 'crm_id', 2),
        ('billing', 'billing_customer', 'email', 3),
        ('billing', 'billing_customer', 'phone', 4),
        ('billing', 'billing_customer', 'billing_only', 5),
        ('call_center', 'call', 'ivr', 6),
        ('call_center', 'call', 'phone_crm', 7),
        ('call_center', 'call', 'phone_billing', 8),
        ('call_center', 'call', 'anonymous', 9)
    ) as rule_catalog (source_system, record_type, match_rule, rule_order)  -- noqa: AL05
),

linked_records as (
    select
        source_system,
        match_rule
    from identity_map
    union all
    select
        'call_center' as source_system,
        link_rule as match_rule
    from calls
),

rule_counts as (
    select
        source_system,
        match_rule,
        count(*) as record_count
    from linked_records
    group by source_system, match_rule
),

counted as (
    select
        rules.source_system,
        rules.record_type,
        rules.match_rule,
        rules.rule_order,
        coalesce(rule_counts.record_count, 0) as record_count
    from rules
    left join rule_counts
        on
            rules.source_system = rule_counts.source_system
            and rules.match_rule = rule_counts.match_rule
),

totals as (
    select
        counted.*,
        sum(counted.record_count) over (partition by counted.source_system) as source_record_count
    from counted
),

shares as (
    select
        totals.*,
        case
            when totals.source_record_count > 0
                then cast(totals.record_count as double precision) / totals.source_record_count
        end as record_share
    from totals
),

final as (
    {{ select_contract('shares') }}
)

select * from final
