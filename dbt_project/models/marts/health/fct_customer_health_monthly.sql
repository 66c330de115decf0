-- The health score of every customer at the end of every reported month, with its reasons, the
-- signals behind them and the at-risk flag (docs/kpis.md section 4).
with health as (
    select * from {{ ref('int_customer_health__scored') }}
),

final as (
    {{ select_contract('health') }}
)

select * from final
