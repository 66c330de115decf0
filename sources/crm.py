"""CRM exports: Salesforce `Account` and `Contact` objects.

Read as the REST API returns them (JSON lines, an `attributes` envelope beside the fields) and as
Bulk API 2.0 / Data Loader CSV (header = API field names, `true`/`false`, empty = null), in the
same folders; every Salesforce datetime form is read (docs/sources.md).
"""

from sources.contract import Entity, Field

SALESFORCE_ID18 = {"pattern": "[a-zA-Z0-9]{18}", "pattern_label": "an 18-character Salesforce id"}

ACCOUNTS = Entity(
    system="crm",
    name="accounts",
    format="jsonl",
    key=("Id",),
    description="Salesforce Account: the companies and households that anchor customers.",
    fields=(
        Field("Id", "string", required=True, **SALESFORCE_ID18),
        Field("Name", "string", required=True),
        Field("Type", "string", allowed=("Customer", "Prospect", "Partner", "Former Customer")),
        Field("Industry", "string"),
        Field("BillingCountry", "string"),
        Field("CreatedDate", "sf_datetime", required=True),
        Field("LastModifiedDate", "sf_datetime", required=True),
        Field("IsDeleted", "boolean", required=True),
    ),
    csv_too=True,
    envelope=("attributes",),
)

CONTACTS = Entity(
    system="crm",
    name="contacts",
    format="jsonl",
    key=("Id",),
    description="Salesforce Contact: people at accounts, whose email and phone link billing and calls.",
    fields=(
        Field("Id", "string", required=True, **SALESFORCE_ID18),
        Field("AccountId", "string", **SALESFORCE_ID18),
        Field("FirstName", "string"),
        Field("LastName", "string"),
        Field("Email", "string"),
        Field("Phone", "string"),
        Field("CreatedDate", "sf_datetime", required=True),
        Field("LastModifiedDate", "sf_datetime", required=True),
        Field("IsDeleted", "boolean", required=True),
    ),
    phone_columns=("Phone",),
    csv_too=True,
    envelope=("attributes",),
)

ENTITIES = (ACCOUNTS, CONTACTS)
