"""Billing exports: Stripe `Customer`, `Subscription` and `Invoice` objects as JSON lines.

Shapes are Stripe's before its 2025-03-31 release (an invoice's `subscription`, and a line's
`price` and `proration`, at the top level). Invoice lines are flattened by ingestion into their own
raw table, `billing_invoice_lines`, so that no SQL downstream has to parse JSON arrays.
"""

from sources.contract import Entity, Field

CUSTOMERS = Entity(
    system="billing",
    name="customers",
    format="jsonl",
    key=("id",),
    description="Stripe Customer: who pays; linked to CRM accounts by metadata, email or phone.",
    fields=(
        Field("id", "string", required=True),
        Field("object", "string"),
        Field("email", "string"),
        Field("name", "string"),
        Field("phone", "string"),
        Field("created", "integer", required=True),
        Field("currency", "string"),
        Field("delinquent", "boolean"),
        Field("metadata", "object"),
        Field(
            "crm_account_id",
            "string",
            path="$.metadata.crm_account_id",
            column="metadata_crm_account_id",
        ),
        Field("deleted", "boolean"),
    ),
    # A deleted customer may arrive as the stub {"id": ..., "object": "customer", "deleted": true}.
    required_unless="json_extract(j, '$.deleted') = 'true'::JSON",
    phone_columns=("phone",),
)

SUBSCRIPTIONS = Entity(
    system="billing",
    name="subscriptions",
    format="jsonl",
    key=("id",),
    description="Stripe Subscription: the plan a customer is on.",
    fields=(
        Field("id", "string", required=True),
        Field("customer", "string", required=True),
        Field("status", "string", required=True),
        Field("created", "integer", required=True),
        Field("start_date", "integer", required=True),
        Field("canceled_at", "integer"),
        Field("ended_at", "integer"),
        Field("trial_end", "integer"),
        Field("currency", "string", required=True),
        Field("items", "object", required=True),
    ),
)

INVOICES = Entity(
    system="billing",
    name="invoices",
    format="jsonl",
    key=("id",),
    description="Stripe Invoice: what was billed, for which periods; the source of MRR.",
    fields=(
        Field("id", "string", required=True),
        Field("customer", "string", required=True),
        Field("subscription", "string"),
        Field("status", "string", required=True),
        Field("currency", "string", required=True),
        Field("created", "integer", required=True),
        Field("due_date", "integer"),
        Field("amount_due", "integer", required=True),
        Field("amount_paid", "integer", required=True),
        Field("amount_remaining", "integer", required=True),
        Field("paid_at", "integer", path="$.status_transitions.paid_at"),
        Field("lines", "object", required=True),
    ),
)

# One element of an invoice's `lines.data`; validated with its invoice (a bad line rejects the
# invoice, since its totals would no longer add up) and stored in `raw.billing_invoice_lines`.
INVOICE_LINE_FIELDS = (
    Field("id", "string"),
    Field("amount", "integer", required=True),
    Field("currency", "string"),
    Field("period_start", "integer", required=True, path="$.period.start"),
    Field("period_end", "integer", required=True, path="$.period.end"),
    Field("proration", "boolean"),
    Field("quantity", "integer"),
    Field("recurring", "object", path="$.price.recurring"),
    Field("recurring_interval", "string", path="$.price.recurring.interval"),
    Field("recurring_interval_count", "integer", path="$.price.recurring.interval_count"),
)

ENTITIES = (CUSTOMERS, SUBSCRIPTIONS, INVOICES)
