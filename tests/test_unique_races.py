"""Races on unique values answer 422 ``taken``, never 500.

Validation checks a unique value before the write, so two concurrent writes can both pass it;
the database's constraint then refuses the second, and the services turn that into the same
``taken`` validation error the check gives. The unit tests skip the check to stand in for the
loser of a race (on every database); the API tests run real threads on PostgreSQL.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client

from tests import factories
from tests.support.threads import run_together
from tests.support.tokens import mint_token
from wallet import services
from wallet.models import AuditEntry, Customer, Order
from wallet.oauth import create_credential

JSONAPI = "application/vnd.api+json"


def taken_fields(error: ValidationError) -> dict[str, list[str]]:
    """``{field: [codes]}`` of a field-dict validation error."""
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


@pytest.fixture
def lose_every_race(monkeypatch):
    """Skip the services' validation, as if a concurrent write took the value just after it."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(services.__path__):
        submodule = importlib.import_module(f"wallet.services.{module.name}")
        if hasattr(submodule, "validate_record"):
            monkeypatch.setattr(submodule, "validate_record", lambda instance: None)


# --- the services ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_insert_that_loses_the_race_for_an_order_number_is_taken(lose_every_race):
    existing = factories.OrderFactory(number="R-1")
    order = Order(mode="test", number="R-1", currency_code="EUR", total_amount_cents=100)

    with pytest.raises(ValidationError) as caught:
        services.create_record(order, actor=services.SYSTEM)

    assert taken_fields(caught.value) == {"number": ["taken"]}
    assert list(Order.objects.filter(number="R-1")) == [existing]


@pytest.mark.django_db
def test_an_insert_that_loses_the_race_for_an_email_is_taken(lose_every_race):
    factories.CustomerFactory(user=None, email="race@example.com")

    with pytest.raises(ValidationError) as caught:
        services.create_record(
            Customer(mode="test", email="race@example.com"), actor=services.SYSTEM
        )

    assert taken_fields(caught.value) == {"email": ["taken"]}
    assert Customer.objects.filter(email="race@example.com").count() == 1


@pytest.mark.django_db
def test_a_lost_race_leaves_the_callers_transaction_usable(lose_every_race):
    factories.CustomerFactory(user=None, email="race@example.com")

    with transaction.atomic():
        with pytest.raises(ValidationError):
            services.create_record(
                Customer(mode="test", email="race@example.com"), actor=services.SYSTEM
            )
        other = services.create_record(
            Customer(mode="test", email="other@example.com"), actor=services.SYSTEM
        )

    assert Customer.objects.filter(pk=other.pk).exists()
    assert not AuditEntry.objects.filter(changes__email=[None, "race@example.com"]).exists()


@pytest.mark.django_db
def test_an_update_that_loses_the_race_for_an_email_is_taken_and_restored(lose_every_race):
    factories.CustomerFactory(user=None, email="first@example.com")
    second = factories.CustomerFactory(user=None, email="second@example.com")

    with pytest.raises(ValidationError) as caught:
        services.update_record(second, {"email": "first@example.com"}, actor=services.SYSTEM)

    assert taken_fields(caught.value) == {"email": ["taken"]}
    assert second.email == "second@example.com"
    second.refresh_from_db()
    assert second.email == "second@example.com"


@pytest.mark.django_db
def test_a_lost_race_for_the_default_card_names_the_default(lose_every_race):
    source = factories.CustomerPaymentSourceFactory(is_default=True)
    other = factories.CustomerPaymentSourceFactory(customer=source.customer, is_default=False)

    with pytest.raises(ValidationError) as caught:
        services.update_record(other, {"is_default": True}, actor=services.SYSTEM)

    assert taken_fields(caught.value) == {"is_default": ["taken"]}


@pytest.mark.django_db
def test_other_integrity_errors_are_not_taken(lose_every_race):
    from django.db import IntegrityError

    order = Order(
        mode="test", number="R-2", currency_code="EUR", total_amount_cents=100, customer_id="nope"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        services.create_record(order, actor=services.SYSTEM)
        connection.check_constraints()  # SQLite checks foreign keys at commit


# --- the API, with real threads on PostgreSQL ----------------------------------------------------


def postgres_threads(test: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a test as real threads on PostgreSQL (transactional, skipped on SQLite)."""
    marks = [
        pytest.mark.postgres,
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(
            connection.vendor != "postgresql",
            reason="races need concurrent writers; SQLite serializes all writes",
        ),
    ]
    for mark in marks:
        test = mark(test)
    return test


@pytest.fixture
def integration_token(db, settings) -> str:
    """A bearer token of an integration in test mode, with limits the bursts stay under."""
    settings.WALLET = {**settings.WALLET, "RATE_LIMITS": {"test": [(1000, 60)]}}
    credential, _ = create_credential(name="races", kind="integration", mode="test")
    return mint_token(credential)


def send(token: str, method: str, path: str, body: dict) -> Callable[[], tuple[int, dict]]:
    """A request to run in a thread: its status and JSON body."""

    def call() -> tuple[int, dict]:
        client = Client(raise_request_exception=False)
        response = getattr(client, method)(
            path,
            data=json.dumps(body),
            content_type=JSONAPI,
            HTTP_ACCEPT=JSONAPI,
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        return response.status_code, json.loads(response.content or b"{}")

    return call


def assert_one_winner(results: list[tuple[int, dict]], winner: int, pointer: str) -> None:
    """Exactly one ``winner`` status; every other answer a 422 ``taken`` at ``pointer``."""
    statuses = sorted(status for status, _body in results)
    assert statuses == [winner] + [422] * (len(results) - 1), statuses
    for status, body in results:
        if status == 422:
            error = body["errors"][0]
            assert error["code"] == "VALIDATION_ERROR"
            assert error["meta"]["error"] == "taken"
            assert error["source"] == {"pointer": pointer}


@postgres_threads
def test_parallel_customer_creates_with_one_email_create_one(integration_token):
    body = {"data": {"type": "customers", "attributes": {"email": "same@example.com"}}}

    results, errors = run_together([send(integration_token, "post", "/api/customers", body)] * 30)

    assert errors == []
    assert_one_winner(results, 201, "/data/attributes/email")
    assert Customer.objects.filter(email="same@example.com").count() == 1


@postgres_threads
def test_parallel_order_creates_with_one_number_create_one(integration_token):
    attributes = {"number": "R-100", "currency_code": "EUR", "total_amount_cents": 100}
    body = {"data": {"type": "orders", "attributes": attributes}}

    results, errors = run_together([send(integration_token, "post", "/api/orders", body)] * 30)

    assert errors == []
    assert_one_winner(results, 201, "/data/attributes/number")
    assert Order.objects.filter(number="R-100").count() == 1


@postgres_threads
def test_customers_patched_in_parallel_to_one_email_change_once(integration_token):
    customers = [factories.CustomerFactory(user=None, email=f"c{n}@example.com") for n in range(20)]

    def patch(customer: Customer) -> Callable[[], tuple[int, dict]]:
        body = {
            "data": {
                "type": "customers",
                "id": customer.pk,
                "attributes": {"email": "wanted@example.com"},
            }
        }
        return send(integration_token, "patch", f"/api/customers/{customer.pk}", body)

    results, errors = run_together([patch(customer) for customer in customers])

    assert errors == []
    assert_one_winner(results, 200, "/data/attributes/email")
    assert Customer.objects.filter(email="wanted@example.com").count() == 1
    assert Customer.objects.filter(email__startswith="c").count() == 19
