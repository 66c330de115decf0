"""Phone normalisation per docs/kpis.md section 1, on a table of tricky cases.

Email and Salesforce-id normalisation are SQL macros, tested by the dbt unit test
`contact_email_normalisation_and_latest_delivery_wins` (dbt_project/models/staging/crm).
"""

import pytest

from sources.phones import to_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (415) 555-0100", "+14155550100"),
        ("415.555.0100", "+14155550100"),  # default region US
        ("  4155550100  ", "+14155550100"),  # trimmed
        ("004930123456", "+4930123456"),  # leading 00 becomes +
        ("+44 20 7946 0958", "+442079460958"),
        ("(555) 010-0000", "+15550100000"),  # possible though not valid: kept (is_possible_number)
        ("123", None),  # too short to be possible
        ("n/a", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_phone_to_e164(raw: str | None, expected: str | None) -> None:
    assert to_e164(raw) == expected
