"""The HTTP session both connectors use: retries with backoff on 429 and 5xx, honouring Retry-After.

The retry policy is urllib3's `Retry`, mounted on the `requests` session that each vendor SDK is
given, so both sources retry the same way (the Stripe SDK's own retries skip 429).
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRIES = 6  # with backoff 0.5 s doubling (capped at 30 s), or the server's Retry-After
RETRY_STATUSES = (429, 500, 502, 503, 504)
TIMEOUT_SECONDS = 60


def retrying_session(retries: int = RETRIES) -> requests.Session:
    policy = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.5,
        backoff_max=30,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),  # pulls only read; never repeat a write
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer goes to the SDK, which raises its own error
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=policy)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
