"""Landing records the tests start from: one valid Salesforce account, the calls CSV header, a paid
Stripe invoice."""

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


def invoice(
    invoice_id: str,
    customer: str,
    amount: int,
    start: int,
    end: int,
    subscription: str | None = None,
) -> dict:
    """A paid monthly invoice with one recurring line covering [start, end) (epoch seconds), in
    cents of USD: valid by the billing contract."""
    return {
        "id": invoice_id,
        "customer": customer,
        "subscription": subscription,
        "status": "paid",
        "currency": "usd",
        "created": start,
        "due_date": start + 14 * 86400,
        "amount_due": amount,
        "amount_paid": amount,
        "amount_remaining": 0,
        "status_transitions": {"paid_at": start + 3600},
        "lines": {
            "data": [
                {
                    "id": f"il_{invoice_id}",
                    "amount": amount,
                    "currency": "usd",
                    "description": None,
                    "period": {"start": start, "end": end},
                    "proration": False,
                    "quantity": 1,
                    "price": {
                        "unit_amount": amount,
                        "currency": "usd",
                        "recurring": {"interval": "month", "interval_count": 1},
                    },
                }
            ]
        },
    }
