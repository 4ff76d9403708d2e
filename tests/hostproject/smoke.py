"""Smoke test of the wallet inside the host project: services, admin, storefront and API.

Run with ``DJANGO_SETTINGS_MODULE=tests.hostproject.settings python -m tests.hostproject.smoke``
after ``migrate``; it exits non-zero on the first failed check and prints ``SMOKE OK`` at the end.
"""

import django


def main() -> None:
    """Exercise the wallet as the host shop would, asserting each outcome."""
    django.setup()

    from django.contrib import admin
    from django.contrib.auth import authenticate, get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from wallet import services
    from wallet.models import (
        Customer,
        CustomerPaymentSource,
        ExternalPayment,
        Order,
        PaymentGateway,
    )

    user_model = get_user_model()
    assert user_model._meta.label == "accounts.User", user_model._meta.label

    # The wallet's customer table points at the shop's user table, not auth_user.
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, "wallet_customer")
        tables = connection.introspection.table_names(cursor)
    assert relations["user_id"][1] == "accounts_user", relations
    assert "auth_user" not in tables

    # Services: a customer who can log in by email, an order paid and its card saved.
    gateway = services.create_record(
        PaymentGateway(mode="test", name="Test gateway", kind="test"), actor=services.SYSTEM
    )
    customer = services.create_customer(
        mode="test", email="Buyer@Shop.example", password="buyer-password-1"
    )
    assert customer.user is not None and customer.user.email == "buyer@shop.example"
    assert authenticate(email="buyer@shop.example", password="buyer-password-1") == customer.user
    order = services.create_order(
        mode="test", currency_code="eur", total_amount_cents=2500, customer=customer
    )
    assert order.payment_gateway == gateway
    payment = services.create_external_payment(
        order=order, payment_source_token="tok_test_visa_4242_1230"
    )
    assert payment.payment_instrument["card_last_digits"] == "4242"
    source = services.save_payment_to_wallet(payment)
    assert source.is_default and source.name == "XXXX-XXXX-XXXX-4242"
    authorization = services.place_order(order)
    assert authorization.succeeded
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    second = services.create_order(
        mode="test", currency_code="EUR", total_amount_cents=990, customer=customer
    )
    services.checkout_with_source(second, source)
    second.refresh_from_db()
    assert second.payment_status == Order.PaymentStatus.AUTHORIZED
    assert CustomerPaymentSource.objects.count() == 1
    draft = services.create_order(
        mode="test", currency_code="EUR", total_amount_cents=1200, customer=customer
    )

    # Admin: a superuser of the shop's user model opens every wallet changelist and change page.
    user_model.objects.create_superuser(email="admin@shop.example", password="admin-password-1")
    staff = Client()
    assert staff.login(email="admin@shop.example", password="admin-password-1")
    wallet_models = {model for model in admin.site._registry if model._meta.app_label == "wallet"}
    core = {Customer, Order, PaymentGateway, ExternalPayment, CustomerPaymentSource}
    missing = core - wallet_models
    assert not missing, f"not in the admin: {sorted(m.__name__ for m in missing)}"
    for model in sorted(wallet_models, key=lambda m: m._meta.model_name):
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = staff.get(url)
        assert response.status_code == 200, (url, response.status_code)
        instance = model._default_manager.first()
        if instance is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
            response = staff.get(url)
            assert response.status_code == 200, (url, response.status_code)
    response = staff.get(reverse("admin:wallet_customer_changelist"), {"q": "buyer@shop"})
    assert response.status_code == 200 and b"buyer@shop.example" in response.content

    # Storefront: the customer sees their card and can open the payment page of a draft order.
    shopper = Client()
    assert shopper.login(email="buyer@shop.example", password="buyer-password-1")
    response = shopper.get(reverse("wallet:saved-cards"))
    assert response.status_code == 200, response.status_code
    assert b"4242" in response.content and b"Host shop" in response.content
    response = shopper.get(reverse("wallet:payment", args=[draft.pk]))
    assert response.status_code == 200, response.status_code

    # API: mounted, and refusing an anonymous caller with a JSON:API error.
    response = Client().get("/api/customer_payment_sources")
    assert response.status_code == 401, response.status_code
    assert response["Content-Type"].startswith("application/vnd.api+json")

    print("SMOKE OK")


if __name__ == "__main__":
    main()
