"""Helpers of the admin tests: admin URLs, one record of every model, a rendered form's data."""

from typing import Any

from django import forms
from django.db.models import Model
from django.urls import reverse

from wallet import services
from wallet.admin import WriteOnlyField
from wallet.models import AuditEntry, PaymentGateway

TOKEN = "tok_test_visa_4242_1230"
CUSTOMER_TOKEN = "cus_test_secret_9876"
SECRET = "whsec-very-secret-value-31337"


def changelist_url(model: type[Model]) -> str:
    """The admin change list of ``model``."""
    return reverse(f"admin:wallet_{model._meta.model_name}_changelist")


def add_url(model: type[Model]) -> str:
    """The admin add page of ``model``."""
    return reverse(f"admin:wallet_{model._meta.model_name}_add")


def change_url(obj: Model) -> str:
    """The admin change page of ``obj``."""
    return reverse(f"admin:wallet_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj: Model) -> str:
    """The admin delete page of ``obj``."""
    return reverse(f"admin:wallet_{obj._meta.model_name}_delete", args=[obj.pk])


def build_admin_records() -> dict[str, Any]:
    """One record of every model, written through the services so audit entries exist."""
    gateway = PaymentGateway.objects.create(
        name="Test gateway", mode="test", shared_secret=SECRET, kind=PaymentGateway.Kind.TEST
    )
    customer = services.create_customer(mode="test", email="ada@example.com", reference="crm-ada")
    order = services.create_order(
        mode="test",
        customer=customer,
        payment_gateway=gateway,
        currency_code="EUR",
        total_amount_cents=4990,
        reference="shop-order-77",
    )
    payment = services.create_external_payment(
        order=order,
        payment_source_token=TOKEN,
        options={"customer_token": CUSTOMER_TOKEN},
        reference="pay-ref-1",
    )
    source = services.save_payment_to_wallet(payment)
    services.update_payment_source(
        source, {"customer_token": CUSTOMER_TOKEN, "reference": "card-ref-1"}
    )
    authorization = services.place_order(order)
    return {
        "gateway": gateway,
        "customer": customer,
        "order": order,
        "payment": payment,
        "source": source,
        "transaction": authorization,
        "audit": AuditEntry.objects.filter(resource_type="customer_payment_sources").first(),
    }


def form_data(response: Any, **overrides: Any) -> dict[str, Any]:
    """The POST data of the admin form rendered in ``response``, with ``overrides``."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, WriteOnlyField):
            continue
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(field, forms.SplitDateTimeField):
            data[f"{name}_0"] = data[f"{name}_1"] = ""
        else:
            data[name] = "" if value is None else value
    data.update(overrides)
    return data
