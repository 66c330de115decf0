-- docs/kpis.md section 1: an invoice whose billing customer was never delivered, or is deleted,
-- still counts, so every invoice's customer id has a billing row in the identity map.
-- It reads several models; it guards (and blocks publication through) the one named here.
{{ config(meta={'dagster': {'ref': {'name': 'customer_identity_map'}}}) }}

with invoices as (
    select distinct billing_customer_id from {{ ref('stg_billing__invoices') }}
),

identity_map as (
    select source_id from {{ ref('customer_identity_map') }}
    where source_system = 'billing'
)

select invoices.billing_customer_id
from invoices
left join identity_map
    on invoices.billing_customer_id = identity_map.source_id
where identity_map.source_id is null
