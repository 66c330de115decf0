"""Landing records the ingestion tests start from: one valid Salesforce account, the calls CSV header."""

ACCOUNT = {
    "Id": "001000000000001AAA",
    "Name": "Acme",
    "Type": "Customer",
    "Industry": None,
    "BillingCountry": "US",
    "CreatedDate": "2024-01-05T10:22:11.000+0000",
    "LastModifiedDate": "2024-01-05T10:22:11.000+0000",
    "IsDeleted": False,
}
CALLS_HEADER = (
    "call_id,direction,caller_number,customer_ref,queue,agent_id,started_at,"
    "answered_at,ended_at,wrap_seconds,disposition\n"
)
