"""Commerce Layer's Python client (``commercelayer`` on PyPI), unchanged, against a live server.

The client is generated from Commerce Layer's OpenAPI schema; it takes the API's base URL and a
token, so only ``base_url`` points it at the shop. It has no query parameters (no filters,
includes or pages): these tests cover the CRUD calls it has.
"""

from typing import Any

import httpx
import pytest
from django.core.cache import cache

from tests import factories
from tests.support.python_client import import_models_on_demand
from wallet.models import CustomerPaymentSource, ExternalPayment
from wallet.oauth import create_credential

commercelayer = pytest.importorskip("commercelayer", reason="commercelayer (PyPI) not installed")
import_models_on_demand()

from commercelayer import AuthenticatedClient  # noqa: E402
from commercelayer.api.customer_payment_sources import (  # noqa: E402
    delet_ecustomer_payment_sourcescustomer_payment_source_id as delete_source,
)
from commercelayer.api.customer_payment_sources import (  # noqa: E402
    ge_tcustomer_payment_sources as list_sources,
)
from commercelayer.api.customer_payment_sources import (  # noqa: E402
    ge_tcustomer_payment_sourcescustomer_payment_source_id as retrieve_source,
)
from commercelayer.api.customer_payment_sources import (  # noqa: E402
    patc_hcustomer_payment_sourcescustomer_payment_source_id as update_source,
)
from commercelayer.api.customer_payment_sources import (  # noqa: E402
    pos_tcustomer_payment_sources as create_source,
)
from commercelayer.api.customers import (  # noqa: E402
    delet_ecustomerscustomer_id as delete_customer,
)
from commercelayer.api.customers import ge_tcustomers as list_customers  # noqa: E402
from commercelayer.api.customers import ge_tcustomerscustomer_id as retrieve_customer  # noqa: E402
from commercelayer.api.customers import patc_hcustomerscustomer_id as update_customer  # noqa: E402
from commercelayer.api.customers import pos_tcustomers as create_customer  # noqa: E402
from commercelayer.api.external_payments import (  # noqa: E402
    delet_eexternal_paymentsexternal_payment_id as delete_payment,
)
from commercelayer.api.external_payments import (  # noqa: E402
    ge_texternal_payments as list_payments,
)
from commercelayer.api.external_payments import (  # noqa: E402
    ge_texternal_paymentsexternal_payment_id as retrieve_payment,
)
from commercelayer.api.external_payments import (  # noqa: E402
    patc_hexternal_paymentsexternal_payment_id as update_payment,
)
from commercelayer.api.external_payments import (  # noqa: E402
    pos_texternal_payments as create_payment,
)
from commercelayer.api.orders import delet_eordersorder_id as delete_order  # noqa: E402
from commercelayer.api.orders import ge_torders as list_orders  # noqa: E402
from commercelayer.api.orders import ge_tordersorder_id as retrieve_order  # noqa: E402
from commercelayer.api.orders import patc_hordersorder_id as update_order  # noqa: E402
from commercelayer.api.orders import pos_torders as create_order  # noqa: E402
from commercelayer.models import (  # noqa: E402
    CustomerCreate,
    CustomerPaymentSourceCreate,
    CustomerPaymentSourceUpdate,
    CustomerUpdate,
    ExternalPaymentCreate,
    ExternalPaymentUpdate,
    OrderCreate,
    OrderUpdate,
)


@pytest.fixture
def shop(live_server, settings) -> dict[str, Any]:
    """An integration's client of the live server, and a customer with an order and a payment."""
    settings.WALLET = {**settings.WALLET, "RATE_LIMITS": {"test": [(10_000, 60)]}}
    cache.clear()
    credential, secret = create_credential(name="python client", kind="integration", mode="test")
    answer = httpx.post(
        f"{live_server.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": credential.application.client_id,
            "client_secret": secret,
        },
    )
    assert answer.status_code == 200, answer.text
    gateway = factories.PaymentGatewayFactory()
    customer = factories.CustomerFactory(mode="test")
    order = factories.OrderFactory(customer=customer, payment_gateway=gateway)
    payment = factories.ExternalPaymentFactory(order=order)
    return {
        "client": AuthenticatedClient(
            base_url=f"{live_server.url}/api", token=answer.json()["access_token"]
        ),
        "customer": customer,
        "order": order,
        "payment": payment,
    }


def ids(parsed: Any) -> list[str]:
    """The ids of a parsed list answer."""
    return [item.id for item in parsed.data]


def test_customer_payment_sources_crud(shop):
    client, payment = shop["client"], shop["payment"]
    body = CustomerPaymentSourceCreate.from_dict(
        {
            "data": {
                "type": "customer_payment_sources",
                "attributes": {"reference": "PY-1"},
                "relationships": {
                    "customer": {"data": {"type": "customers", "id": shop["customer"].pk}},
                    # The client's model of this polymorphic relationship is a whole resource
                    # object: its data needs an attributes member.
                    "payment_source": {
                        "data": {"type": "external_payments", "id": payment.pk, "attributes": {}}
                    },
                },
            }
        }
    )
    created = create_source.sync_detailed(client=client, json_body=body)
    assert created.status_code == 201, created.content
    source_id = created.parsed.data.id
    assert CustomerPaymentSource.objects.get(pk=source_id).payment_source_token == (
        payment.payment_source_token
    )
    assert source_id in ids(list_sources.sync(client=client))
    retrieved = retrieve_source.sync(source_id, client=client)
    assert retrieved.data.attributes.reference == "PY-1"
    change = CustomerPaymentSourceUpdate.from_dict(
        {
            "data": {
                "type": "customer_payment_sources",
                "id": source_id,
                "attributes": {"reference": "PY-2"},
            }
        }
    )
    updated = update_source.sync_detailed(source_id, client=client, json_body=change)
    assert updated.status_code == 200, updated.content
    assert updated.parsed.data.attributes.reference == "PY-2"
    assert delete_source.sync_detailed(source_id, client=client).status_code == 204
    assert not CustomerPaymentSource.objects.filter(pk=source_id).exists()


def test_external_payments_crud(shop):
    client, order = shop["client"], shop["order"]
    body = ExternalPaymentCreate.from_dict(
        {
            "data": {
                "type": "external_payments",
                "attributes": {"payment_source_token": "tok_test_visa_4242_1230"},
                "relationships": {"order": {"data": {"type": "orders", "id": order.pk}}},
            }
        }
    )
    created = create_payment.sync_detailed(client=client, json_body=body)
    assert created.status_code == 201, created.content
    payment_id = created.parsed.data.id
    assert payment_id in ids(list_payments.sync(client=client))
    assert retrieve_payment.sync(payment_id, client=client).data.id == payment_id
    change = ExternalPaymentUpdate.from_dict(
        {"data": {"type": "external_payments", "id": payment_id, "attributes": {"reference": "R"}}}
    )
    updated = update_payment.sync_detailed(payment_id, client=client, json_body=change)
    assert updated.status_code == 200, updated.content
    assert updated.parsed.data.attributes.reference == "R"
    assert delete_payment.sync_detailed(payment_id, client=client).status_code == 204
    assert not ExternalPayment.objects.filter(pk=payment_id).exists()


def test_customers_crud(shop):
    client = shop["client"]
    body = CustomerCreate.from_dict(
        {"data": {"type": "customers", "attributes": {"email": "python-client@example.com"}}}
    )
    created = create_customer.sync_detailed(client=client, json_body=body)
    assert created.status_code == 201, created.content
    customer_id = created.parsed.data.id
    assert customer_id in ids(list_customers.sync(client=client))
    retrieved = retrieve_customer.sync(customer_id, client=client)
    assert retrieved.data.attributes.email == "python-client@example.com"
    change = CustomerUpdate.from_dict(
        {"data": {"type": "customers", "id": customer_id, "attributes": {"reference": "PY"}}}
    )
    updated = update_customer.sync_detailed(customer_id, client=client, json_body=change)
    assert updated.status_code == 200, updated.content
    assert delete_customer.sync_detailed(customer_id, client=client).status_code == 204


def test_orders_crud(shop):
    client = shop["client"]
    body = OrderCreate.from_dict(
        {
            "data": {
                "type": "orders",
                "attributes": {"currency_code": "EUR", "total_amount_cents": 900},
                "relationships": {
                    "customer": {"data": {"type": "customers", "id": shop["customer"].pk}}
                },
            }
        }
    )
    created = create_order.sync_detailed(client=client, json_body=body)
    assert created.status_code == 201, created.content
    order_id = created.parsed.data.id
    assert order_id in ids(list_orders.sync(client=client))
    assert retrieve_order.sync(order_id, client=client).data.id == order_id
    change = OrderUpdate.from_dict(
        {"data": {"type": "orders", "id": order_id, "attributes": {"reference": "PY-ORDER"}}}
    )
    updated = update_order.sync_detailed(order_id, client=client, json_body=change)
    assert updated.status_code == 200, updated.content
    assert updated.parsed.data.attributes.reference == "PY-ORDER"
    assert delete_order.sync_detailed(order_id, client=client).status_code == 204
