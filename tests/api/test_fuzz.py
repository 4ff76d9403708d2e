"""A bounded fuzz run of the whole API from its own OpenAPI document: it tells the truth.

Schemathesis generates requests for every operation of ``/api/schema/?format=json`` (query
parameters, ids and bodies, valid and not) and sends them in process, through the WSGI app,
with an integration's bearer token. Every answer must be no server error
(``not_a_server_error``), have a status the document lists for the operation
(``status_code_conformance``) and a body its schema accepts (``response_schema_conformance``).
The run is deterministic (``derandomize``) and bounded (``FUZZ_EXAMPLES`` per operation, 5 by
default; ``make fuzz`` runs a deeper pass with the coverage phase).
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from wallet import ratelimit

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# The coverage phase (boundary values of every parameter, some 8,000 requests) runs in
# ``make fuzz``; ``make test`` runs the random phase only.
FUZZ_COVERAGE = os.environ.get("FUZZ_COVERAGE", "") == "1"


# Loaded once, at collection, from the app itself (the schema view reads no data).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.phases.coverage.enabled = FUZZ_COVERAGE


@pytest.fixture
def fuzz_headers(api_client, order, source, settings) -> Iterator[dict[str, str]]:
    """An integration's bearer token, records for generated ids to miss, no rate limit.

    The requests go through the real WSGI handler, whose request signals would close the
    test's database connection in the middle of its transaction; as Django's test client
    does, they leave connections alone meanwhile.
    """
    settings.WALLET = {**settings.WALLET, "RATE_LIMITS": {"test": [(1_000_000, 60)]}}
    ratelimit.fallback.reset()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": api_client.headers["AUTHORIZATION"]}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_document_says(case, fuzz_headers):
    case.call_and_validate(headers=fuzz_headers, checks=CHECKS)
