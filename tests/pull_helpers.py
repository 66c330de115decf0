"""Shared set-up for the pull tests: the fake vendor APIs serving the `small` fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.pull.salesforce_api import SALESFORCE_API_VERSION
from sources.pull.stripe_api import STRIPE_API_VERSION
from tests.fakes.salesforce_api import FakeSalesforce
from tests.fakes.server import self_signed_certificate
from tests.fakes.small_fixture import load_salesforce, load_stripe
from tests.fakes.stripe_api import FakeStripe

# Distinctive, so that a leak anywhere is found by a plain substring search.
STRIPE_KEY = "sk_test_51QxLEAKCHECKstripeKey9f3a"
SALESFORCE_TOKEN = "00DQx0000LEAKCHECK!AQsalesforceToken7b1e"
SECRETS = (STRIPE_KEY, SALESFORCE_TOKEN)


def start_stripe(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, **kwargs
) -> FakeStripe:
    """Serve the fixture's billing objects; the server stops when the test (or module) ends."""
    fake = FakeStripe(STRIPE_KEY, STRIPE_API_VERSION, **kwargs)
    load_stripe(fake)
    monkeypatch.setenv("C360_STRIPE_API_BASE", fake.start())
    request.addfinalizer(fake.stop)
    monkeypatch.setenv("C360_STRIPE_API_KEY", STRIPE_KEY)
    return fake


def start_salesforce(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, folder: Path, **kwargs
) -> FakeSalesforce:
    """Serve the fixture's CRM records over https (a certificate made in `folder`)."""
    fake = FakeSalesforce(SALESFORCE_TOKEN, SALESFORCE_API_VERSION, **kwargs)
    load_salesforce(fake)
    cert, key = self_signed_certificate(folder)
    monkeypatch.setenv("C360_SALESFORCE_INSTANCE_URL", fake.start(tls=(cert, key)))
    request.addfinalizer(fake.stop)
    monkeypatch.setenv("C360_SALESFORCE_ACCESS_TOKEN", SALESFORCE_TOKEN)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # trust the test certificate
    return fake


def landing_content(landing: Path) -> dict[str, bytes]:
    """Every file under the landing directory (the pull's own state included), by path."""
    return {
        p.relative_to(landing).as_posix(): p.read_bytes()
        for p in sorted(landing.rglob("*"))
        if p.is_file()
    }
