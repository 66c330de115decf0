"""Billing exports: Stripe `Customer`, `Subscription`, `Invoice`, `Price` and invoice `line_item`
objects as JSON lines.

Both of Stripe's invoice shapes are read into the same raw columns (docs/sources.md): the one
before API version 2025-03-31 (an invoice's `subscription`, and a line's `price` object and
`proration`, at the top level) and the current one (`parent.subscription_details.subscription`;
a line's price only as an id under `pricing.price_details.price`, its proration under
`parent.subscription_item_details` or `parent.invoice_item_details`). Invoice lines are flattened
by ingestion into their own raw table, `billing_invoice_lines`, so that no SQL downstream has to
parse JSON arrays; `sources/stripe_lines.py` completes them (price-id-only lines, invoices with
more lines than Stripe embeds).
"""

from sources.contract import ChildTable, Entity, Field
from sources.stripe_lines import StripeLineCompletion

CURRENCY = {"pattern": "[a-z]{3}", "pattern_label": "an ISO 4217 code in lower case"}

CUSTOMERS = Entity(
    system="billing",
    name="customers",
    format="jsonl",
    key=("id",),
    description="Stripe Customer: who pays; linked to CRM accounts by metadata, email or phone.",
    fields=(
        Field("id", "string", required=True, pattern="cus_.+", pattern_label="a cus_ id"),
        Field("object", "string"),
        Field("email", "string"),
        Field("name", "string"),
        Field("phone", "string"),
        Field("created", "integer", required=True),
        Field("currency", "string", **CURRENCY),
        Field("delinquent", "boolean"),
        Field("metadata", "object", free_form=True),
        Field(
            "crm_account_id",
            "string",
            path="$.metadata.crm_account_id",
            column="metadata_crm_account_id",
            pattern="[a-zA-Z0-9]{15}|[a-zA-Z0-9]{18}",
            pattern_label="a 15- or 18-character Salesforce id",
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
        Field("id", "string", required=True, pattern="sub_.+", pattern_label="a sub_ id"),
        Field("customer", "string", required=True, pattern="cus_.+", pattern_label="a cus_ id"),
        Field(
            "status",
            "string",
            required=True,
            allowed=(
                "trialing",
                "active",
                "past_due",
                "unpaid",
                "canceled",
                "incomplete",
                "incomplete_expired",
            ),
        ),
        Field("created", "integer", required=True),
        Field("start_date", "integer", required=True),
        Field("canceled_at", "integer"),
        Field("ended_at", "integer"),
        Field("trial_end", "integer"),
        Field("currency", "string", required=True, **CURRENCY),
        # Kept whole: its items' prices are read by sources/stripe_lines.py.
        Field("items", "object", required=True, free_form=True),
    ),
)

# One element of an invoice's `lines.data`; validated with its invoice (a bad line rejects the
# invoice, since its totals would no longer add up) and stored in `raw.billing_invoice_lines`.
INVOICE_LINE_FIELDS = (
    Field("id", "string"),
    Field("amount", "integer", required=True),
    Field("currency", "string", **CURRENCY),
    Field("period_start", "integer", required=True, path="$.period.start"),
    Field("period_end", "integer", required=True, path="$.period.end"),
    Field(
        "proration",
        "boolean",
        alternatives=(
            (
                "$.parent.subscription_item_details.proration",
                "$.parent.type",
                "subscription_item_details",
            ),
            ("$.parent.invoice_item_details.proration", "$.parent.type", "invoice_item_details"),
        ),
    ),
    Field("quantity", "integer"),
    # Before 2025-03-31 the price object is embedded; since then only its id is.
    Field("price_id", "string", path="$.price.id", alternatives=("$.pricing.price_details.price",)),
    Field("recurring", "object", path="$.price.recurring"),
    Field(
        "recurring_interval",
        "string",
        path="$.price.recurring.interval",
        allowed=("month", "year"),
    ),
    Field(
        "recurring_interval_count",
        "integer",
        path="$.price.recurring.interval_count",
        minimum=1,
    ),
    # What the line bills: `subscription` / `invoiceitem` before 2025-03-31 (`type`), then
    # `subscription_item_details` / `invoice_item_details` (`parent.type`).
    Field("line_type", "string", path="$.type", alternatives=("$.parent.type",)),
)

# A line whose period ends before it starts cannot be spread over months.
LINE_RULES = (
    (
        "{period_end} < {period_start}",
        "'lines.data[].period: end ' || {period_end} || ' is before start ' || {period_start}",
    ),
)

PRICES = Entity(
    system="billing",
    name="prices",
    format="jsonl",
    key=("id",),
    description="Stripe Price (optional): the recurring interval of lines that carry only a price id.",
    in_warehouse=False,
    fields=(
        Field("id", "string", required=True),
        Field("currency", "string", **CURRENCY),
        Field("unit_amount", "integer"),
        Field("recurring", "object"),
        Field(
            "recurring_interval",
            "string",
            path="$.recurring.interval",
            allowed=("month", "year", "week", "day"),
        ),
        Field("recurring_interval_count", "integer", path="$.recurring.interval_count", minimum=1),
        Field("product", "string"),
        Field("active", "boolean"),
    ),
)

INVOICE_LINE_ITEMS = Entity(
    system="billing",
    name="invoice_lines",
    format="jsonl",
    key=("id",),
    # `billing_invoice_lines` is the flattened lines of every invoice (embedded and delivered).
    table_name="billing_invoice_line_items",
    description=(
        "Stripe invoice line items (optional): the lines of invoices with more lines than "
        "Stripe embeds (`lines.has_more`)."
    ),
    in_warehouse=False,
    fields=(
        Field("invoice", "string", required=True, pattern="in_.+", pattern_label="an in_ id"),
        Field("id", "string", required=True),
        *INVOICE_LINE_FIELDS[1:],
    ),
    rules=LINE_RULES,
)

INVOICE_LINES = ChildTable(
    table="billing_invoice_lines",
    array="lines.data",
    parent_key="id",
    parent_column="invoice_id",
    index_column="line_index",
    fields=INVOICE_LINE_FIELDS,
    rules=LINE_RULES,
    description="Invoice lines (`lines.data`) of every ingested invoice version.",
)

# Invoices are completed at ingestion from these, so they are ingested first.
LINE_COMPLETION = StripeLineCompletion(
    subscriptions=SUBSCRIPTIONS, prices=PRICES, line_items=INVOICE_LINE_ITEMS, lines=INVOICE_LINES
)

INVOICES = Entity(
    system="billing",
    name="invoices",
    format="jsonl",
    key=("id",),
    description="Stripe Invoice: what was billed, for which periods; the source of MRR.",
    fields=(
        Field("id", "string", required=True, pattern="in_.+", pattern_label="an in_ id"),
        Field("customer", "string", required=True, pattern="cus_.+", pattern_label="a cus_ id"),
        Field(
            "subscription",
            "string",
            alternatives=(
                (
                    "$.parent.subscription_details.subscription",
                    "$.parent.type",
                    "subscription_details",
                ),
            ),
            pattern="sub_.+",
            pattern_label="a sub_ id",
        ),
        Field(
            "status",
            "string",
            required=True,
            allowed=("draft", "open", "paid", "void", "uncollectible"),
        ),
        Field("currency", "string", required=True, **CURRENCY),
        Field("created", "integer", required=True),
        Field("due_date", "integer"),
        Field("amount_due", "integer", required=True),
        Field("amount_paid", "integer", required=True),
        Field("amount_remaining", "integer", required=True),
        Field("paid_at", "integer", path="$.status_transitions.paid_at"),
        Field("lines", "object", required=True),
        # true when Stripe embedded only the first page of the lines (see INVOICE_LINE_ITEMS)
        Field("lines_has_more", "boolean", path="$.lines.has_more"),
    ),
    child=INVOICE_LINES,
    completion=LINE_COMPLETION,
    needs=LINE_COMPLETION.needs,
)

ENTITIES = (CUSTOMERS, SUBSCRIPTIONS, PRICES, INVOICE_LINE_ITEMS, INVOICES)
