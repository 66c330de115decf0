"""CRM exports: Salesforce `Account` and `Contact` objects as JSON lines."""

from sources.contract import Entity, Field

ACCOUNTS = Entity(
    system="crm",
    name="accounts",
    format="jsonl",
    key=("Id",),
    description="Salesforce Account: the companies and households that anchor customers.",
    fields=(
        Field("Id", "string", required=True),
        Field("Name", "string", required=True),
        Field("Type", "string"),
        Field("Industry", "string"),
        Field("BillingCountry", "string"),
        Field("CreatedDate", "sf_datetime", required=True),
        Field("LastModifiedDate", "sf_datetime", required=True),
        Field("IsDeleted", "boolean", required=True),
    ),
)

CONTACTS = Entity(
    system="crm",
    name="contacts",
    format="jsonl",
    key=("Id",),
    description="Salesforce Contact: people at accounts, whose email and phone link billing and calls.",
    fields=(
        Field("Id", "string", required=True),
        Field("AccountId", "string"),
        Field("FirstName", "string"),
        Field("LastName", "string"),
        Field("Email", "string"),
        Field("Phone", "string"),
        Field("CreatedDate", "sf_datetime", required=True),
        Field("LastModifiedDate", "sf_datetime", required=True),
        Field("IsDeleted", "boolean", required=True),
    ),
    phone_columns=("Phone",),
)

ENTITIES = (ACCOUNTS, CONTACTS)
