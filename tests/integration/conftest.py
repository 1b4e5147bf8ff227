"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from finclear.eligibility import endpoints
from tests.integration.eligibility_support import FakePayer, build_endpoint


@pytest.fixture
def payer() -> Iterator[FakePayer]:
    """The fake payer (``eligibility_support.FakePayer``) as every payer's gateway."""
    fake = FakePayer()
    endpoints.use_endpoints({"default": build_endpoint()})
    endpoints.use_gateway(fake)
    yield fake
    endpoints.use_endpoints(None)
    endpoints.use_gateway(None)
