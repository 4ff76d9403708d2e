"""Shared fixtures: factories, a JSON:API schema validator, staff users."""

import json
from pathlib import Path

import jsonschema
import pytest

from tests import factories

SHARED = Path(__file__).resolve().parents[2] / "shared"
LOCAL_SCHEMA = Path(__file__).resolve().parent / "jsonapi_schema.json"


def _load_schema() -> dict:
    path = SHARED / "jsonapi" / "schema.json"
    if not path.exists():  # a checkout without shared/ beside it uses the vendored copy
        path = LOCAL_SCHEMA
    return _match_all_patterns(json.loads(path.read_text()))


def _match_all_patterns(node):
    """Rewrite the schema's match-all ``patternProperties`` key ``""`` as ``"^"``.

    jsonschema joins the pattern keys to find additional properties, and an empty join is
    falsy, so with ``""`` every attribute, meta and relationship member counted as forbidden.
    """
    if isinstance(node, dict):
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict) and "" in patterns:
            node["patternProperties"] = {("^" if k == "" else k): v for k, v in patterns.items()}
        for value in node.values():
            _match_all_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _match_all_patterns(value)
    return node


_SCHEMA = _load_schema()
JSONAPI_VALIDATOR = jsonschema.validators.validator_for(_SCHEMA)(_SCHEMA)


def assert_jsonapi(document: dict) -> dict:
    """Fail unless ``document`` is a valid JSON:API 1.0 document; return it."""
    errors = sorted(JSONAPI_VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, f"not a JSON:API document: {errors[0].message} at {list(errors[0].path)}"
    return document


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Hash passwords cheaply in tests; PBKDF2 made every login cost 50 ms or more."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def jsonapi():
    """The JSON:API document validator, as a fixture."""
    return assert_jsonapi


@pytest.fixture
def gateway(db):
    """The test gateway in test mode."""
    return factories.PaymentGatewayFactory()


@pytest.fixture
def customer(db):
    """A customer with a login, in test mode."""
    return factories.CustomerFactory()


@pytest.fixture
def staff_user(db):
    """A superuser for the admin."""
    return factories.UserFactory(username="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _language_of_the_test_thread():
    """Every test starts in English: a request's LocaleMiddleware leaves its language active in
    the thread, and a later test rendering in this thread would inherit it."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
