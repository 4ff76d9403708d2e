"""The Django admin: pages load, search, masking, secrets, service writes, view-only staff."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories
from tests.support.admin import (
    CUSTOMER_TOKEN,
    SECRET,
    TOKEN,
    add_url,
    change_url,
    changelist_url,
    delete_url,
    form_data,
)
from wallet import services
from wallet.admin import mask_token
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    Transaction,
)

pytestmark = pytest.mark.django_db

CARD_NUMBER = "4242 4242 4242 4242"
MODELS = [Customer, Order, PaymentGateway, ExternalPayment, CustomerPaymentSource]
ALL_MODELS = [*MODELS, Transaction, AuditEntry]


# --- every page loads ------------------------------------------------------------------------


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_changelist_loads_for_superuser(client, admin_user, wallet, model):
    response = client.get(changelist_url(model))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_add_page_loads_for_superuser(client, admin_user, wallet, model):
    response = client.get(add_url(model))
    assert response.status_code == 200
    assert 'name="_save"' in response.content.decode()


@pytest.mark.parametrize("model", [Transaction, AuditEntry], ids=lambda m: m.__name__)
def test_read_only_records_have_no_add_page(client, admin_user, wallet, model):
    assert client.get(add_url(model)).status_code == 403


@pytest.mark.parametrize(
    "key",
    ["customer", "order", "gateway", "payment", "source", "transaction", "audit"],
)
def test_change_page_loads_for_superuser(client, admin_user, wallet, key):
    response = client.get(change_url(wallet[key]))
    assert response.status_code == 200
    assert str(wallet[key].pk) in response.content.decode()


@pytest.mark.parametrize("key", ["transaction", "audit"])
def test_read_only_records_cannot_be_changed_or_deleted_even_by_superuser(
    client, admin_user, wallet, key
):
    obj = wallet[key]
    response = client.get(change_url(obj))
    assert 'name="_save"' not in response.content.decode()
    assert client.post(change_url(obj), {}).status_code == 403
    assert client.post(delete_url(obj), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "term"),
    [
        (CustomerPaymentSource, "ada@example.com"),
        (CustomerPaymentSource, "card-ref-1"),
        (CustomerPaymentSource, "1230"),
        (CustomerPaymentSource, "9876"),
        (ExternalPayment, "ada@example.com"),
        (ExternalPayment, "pay-ref-1"),
        (ExternalPayment, "1230"),
        (Order, "ada@example.com"),
        (Order, "shop-order-77"),
        (Customer, "ada@example.com"),
        (Customer, "crm-ada"),
    ],
)
def test_search_finds_by_email_reference_and_token_suffix(client, admin_user, wallet, model, term):
    factories.CustomerPaymentSourceFactory(reference="other", month=1, year=2031)
    response = client.get(changelist_url(model), {"q": term})
    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert len(results) == 1


def test_search_by_token_suffix_does_not_match_the_middle_of_a_token(client, admin_user, wallet):
    response = client.get(changelist_url(CustomerPaymentSource), {"q": "visa_4242"})
    assert list(response.context["cl"].result_list) == []


# --- tokens masked, secrets never shown ------------------------------------------------------


def test_mask_token_keeps_only_the_last_four_characters():
    assert mask_token(TOKEN) == "••••1230"
    assert mask_token("abc") == "••••"
    assert mask_token("") == ""


@pytest.mark.parametrize(
    "url",
    [
        lambda w: changelist_url(CustomerPaymentSource),
        lambda w: change_url(w["source"]),
        lambda w: changelist_url(ExternalPayment),
        lambda w: change_url(w["payment"]),
        lambda w: changelist_url(AuditEntry),
        lambda w: change_url(w["audit"]),
        lambda w: change_url(w["customer"]),
        lambda w: changelist_url(Transaction),
        lambda w: change_url(w["transaction"]),
    ],
    ids=[
        "source-list",
        "source-change",
        "payment-list",
        "payment-change",
        "audit-list",
        "audit-change",
        "customer-change",
        "transaction-list",
        "transaction-change",
    ],
)
def test_tokens_are_masked_everywhere(client, admin_user, wallet, url):
    html = client.get(url(wallet)).content.decode()
    assert TOKEN not in html
    assert CUSTOMER_TOKEN not in html
    assert wallet["transaction"].token not in html


def test_source_list_and_change_page_show_the_masked_tokens(client, admin_user, wallet):
    listing = client.get(changelist_url(CustomerPaymentSource)).content.decode()
    page = client.get(change_url(wallet["source"])).content.decode()
    for html in (listing, page):
        assert "••••1230" in html
        assert "••••9876" in html


def test_source_list_shows_brand_and_expiry_and_flags_expired_cards(client, admin_user):
    factories.CustomerPaymentSourceFactory(brand="discover", last4="1117", month=1, year=2024)
    factories.CustomerPaymentSourceFactory(brand="visa", last4="4242", month=12, year=2030)
    html = client.get(changelist_url(CustomerPaymentSource)).content.decode()
    assert "Discover •••• 1117" in html
    assert "01/2024 (expired)" in html
    assert "Visa •••• 4242" in html
    assert "12/2030<" in html


def test_payment_change_page_lists_its_transactions_with_masked_tokens(client, admin_user, wallet):
    html = client.get(change_url(wallet["payment"])).content.decode()
    table = html[html.index('class="wallet-transactions"') :]
    table = table[: table.index("</table>")]
    assert "Authorization" in table
    assert "€49.90" in table
    assert mask_token(wallet["transaction"].token) in table


def test_source_tokens_are_read_only_on_the_change_page(client, admin_user, wallet):
    source = wallet["source"]
    response = client.get(change_url(source))
    form = response.context["adminform"].form
    assert "payment_source_token" not in form.fields
    assert "customer_token" not in form.fields
    data = form_data(response, payment_source_token="tok_test_visa_1111_1230")
    assert client.post(change_url(source), data).status_code == 302
    source.refresh_from_db()
    assert source.payment_source_token == TOKEN


def test_source_tokens_are_editable_on_the_add_page(client, admin_user, wallet):
    form = client.get(add_url(CustomerPaymentSource)).context["adminform"].form
    assert {"payment_source_token", "customer_token"} <= set(form.fields)


def test_masked_token_in_options_survives_an_edit(client, admin_user, wallet):
    payment = wallet["payment"]
    response = client.get(change_url(payment))
    assert "••••9876" in response.content.decode()
    data = form_data(response, reference="edited")
    assert client.post(change_url(payment), data).status_code == 302
    payment.refresh_from_db()
    assert payment.reference == "edited"
    assert payment.options == {"customer_token": CUSTOMER_TOKEN}


@pytest.mark.parametrize("view_only", [False, True])
def test_shared_secret_is_never_rendered(client, wallet, view_only, staff_user):
    user = view_only_user() if view_only else staff_user
    client.force_login(user)
    for url in (
        changelist_url(PaymentGateway),
        change_url(wallet["gateway"]),
        changelist_url(AuditEntry),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET not in response.content.decode()


def _gateway_post(client, gateway, **overrides):
    response = client.get(change_url(gateway))
    return client.post(change_url(gateway), form_data(response, **overrides))


def test_empty_shared_secret_keeps_the_stored_one(client, admin_user, wallet):
    gateway = wallet["gateway"]
    assert _gateway_post(client, gateway, name="Renamed").status_code == 302
    gateway.refresh_from_db()
    assert (gateway.name, gateway.shared_secret) == ("Renamed", SECRET)


def test_typed_shared_secret_replaces_the_stored_one_and_is_not_audited_in_clear(
    client, admin_user, wallet
):
    gateway = wallet["gateway"]
    assert _gateway_post(client, gateway, shared_secret="new-secret-42").status_code == 302
    gateway.refresh_from_db()
    assert gateway.shared_secret == "new-secret-42"
    entry = AuditEntry.objects.filter(resource_id=gateway.pk).latest("created_at")
    assert "new-secret-42" not in json.dumps(entry.changes)


# --- writes go through the services ------------------------------------------------------------


def test_change_is_audited_with_the_staff_user(client, admin_user, wallet):
    source = wallet["source"]
    response = client.get(change_url(source))
    assert client.post(change_url(source), form_data(response, reference="r2")).status_code == 302
    entry = AuditEntry.objects.filter(resource_id=source.pk, event="update").latest("created_at")
    assert entry.changes == {"reference": ["card-ref-1", "r2"]}
    assert entry.who == {
        "application": {"id": None, "kind": "admin"},
        "owner": {"id": str(admin_user.pk), "type": "user"},
    }


def test_change_page_shows_the_audit_history_newest_first(client, admin_user, wallet):
    html = client.get(change_url(wallet["source"])).content.decode()
    table = html[html.index('class="wallet-audit"') :]
    table = table[: table.index("</table>")]
    assert table.index("Saved to wallet") < table.index("Created")
    assert (
        table.count("<tr>")
        == 1 + AuditEntry.objects.filter(resource_id=wallet["source"].pk).count()
    )


def test_add_source_creates_it_through_the_service(client, admin_user, wallet):
    customer = factories.CustomerFactory()
    response = client.post(
        add_url(CustomerPaymentSource),
        {
            "customer": customer.pk,
            "payment_source_token": "tok_test_amex_0005_0328",
            "customer_token": "",
            "reference": "",
            "reference_origin": "",
            "metadata": "{}",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    source = CustomerPaymentSource.objects.get(customer=customer)
    # The service's rule: a customer's first source becomes the default.
    assert source.is_default
    created = AuditEntry.objects.get(resource_id=source.pk, event="create")
    assert created.who["owner"]["id"] == str(admin_user.pk)


def test_add_order_generates_a_number_when_left_empty(client, admin_user, wallet):
    response = client.post(
        add_url(Order),
        {
            "mode": "test",
            "number": "",
            "customer": wallet["customer"].pk,
            "payment_gateway": wallet["gateway"].pk,
            "currency_code": "usd",
            "total_amount_cents": "1500",
            "reference": "",
            "reference_origin": "",
            "metadata": "{}",
        },
    )
    assert response.status_code == 302
    order = Order.objects.exclude(pk=wallet["order"].pk).get()
    assert order.number
    assert order.currency_code == "USD"


def test_add_gateway_stores_it_through_the_services_with_its_secret(client, admin_user):
    response = client.post(
        add_url(PaymentGateway),
        {
            "mode": "live",
            "name": "Shop PSP",
            "kind": "external",
            "authorize_url": "https://psp.example.com/authorize",
            "capture_url": "",
            "void_url": "",
            "refund_url": "",
            "token_url": "",
            "shared_secret": "psp-shared-secret",
            "reference": "",
            "reference_origin": "",
            "metadata": "{}",
        },
    )
    assert response.status_code == 302
    gateway = PaymentGateway.objects.get(name="Shop PSP")
    assert (gateway.mode, gateway.kind, gateway.shared_secret) == (
        "live",
        "external",
        "psp-shared-secret",
    )
    created = AuditEntry.objects.get(resource_id=gateway.pk, event="create")
    assert created.who["owner"]["id"] == str(admin_user.pk)
    assert created.changes["shared_secret"] == [None, "********"]


def test_add_customer_with_a_password_creates_their_login(client, admin_user):
    response = client.post(
        add_url(Customer),
        {"mode": "test", "email": "New@Example.com", "password": "long-enough-1", "metadata": "{}"},
    )
    assert response.status_code == 302
    customer = Customer.objects.get(email="new@example.com")
    assert customer.user.check_password("long-enough-1")
    entry = AuditEntry.objects.get(resource_id=customer.pk, event="create")
    assert "long-enough-1" not in json.dumps(entry.changes)


def test_changing_a_customer_password_updates_their_login(client, admin_user):
    customer = services.create_customer(mode="test", email="pw@example.com", password="first-pw-1")
    response = client.get(change_url(customer))
    data = form_data(response, password="brand-new-pass-1")
    assert client.post(change_url(customer), data).status_code == 302
    customer.user.refresh_from_db()
    assert customer.user.check_password("brand-new-pass-1")


def test_short_customer_password_is_a_form_error(client, admin_user):
    response = client.post(
        add_url(Customer),
        {"mode": "test", "email": "new@example.com", "password": "short", "metadata": "{}"},
    )
    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors
    assert not Customer.objects.exists()


def test_password_is_never_rendered_back(client, admin_user):
    response = client.post(
        add_url(Customer),
        {"mode": "test", "email": "not an email", "password": "typed-secret-1", "metadata": "{}"},
    )
    assert response.status_code == 200
    assert "typed-secret-1" not in response.content.decode()


def test_ticking_default_on_the_change_page_moves_the_default(client, admin_user):
    customer, (first, second) = _customer_with_sources(2)
    response = client.get(change_url(second))
    assert client.post(change_url(second), form_data(response, is_default="on")).status_code == 302
    assert CustomerPaymentSource.objects.get(customer=customer, is_default=True) == second
    assert AuditEntry.objects.filter(resource_id=first.pk, event="update").exists()


def test_autocomplete_finds_customers_by_email(client, admin_user, wallet):
    factories.CustomerFactory()
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "wallet",
            "model_name": "customerpaymentsource",
            "field_name": "customer",
            "term": "ada@",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [wallet["customer"].pk]


def test_service_refusal_is_a_form_error_not_a_500(client, admin_user, wallet):
    live_customer = factories.CustomerFactory(mode="live")
    response = client.post(
        add_url(Order),
        {
            "mode": "test",
            "customer": live_customer.pk,
            "payment_gateway": wallet["gateway"].pk,
            "currency_code": "EUR",
            "total_amount_cents": "100",
            "metadata": "{}",
        },
    )
    assert response.status_code == 200
    assert "customer" in response.context["adminform"].form.errors
    assert "same mode" in response.content.decode()
    assert Order.objects.count() == 1


def test_duplicate_card_is_refused_with_a_message(client, admin_user, wallet):
    response = client.post(
        add_url(CustomerPaymentSource),
        {
            "customer": wallet["customer"].pk,
            "payment_source": wallet["payment"].pk,
            "payment_source_token": TOKEN,
            "metadata": "{}",
        },
    )
    assert response.status_code == 200
    assert "already saved" in response.content.decode()
    assert CustomerPaymentSource.objects.count() == 1


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (CustomerPaymentSource, "payment_source_token", CARD_NUMBER),
        (CustomerPaymentSource, "customer_token", CARD_NUMBER),
        (CustomerPaymentSource, "reference", CARD_NUMBER),
        (CustomerPaymentSource, "reference_origin", CARD_NUMBER),
        (CustomerPaymentSource, "metadata", json.dumps({"note": CARD_NUMBER})),
        (ExternalPayment, "payment_source_token", CARD_NUMBER),
        (ExternalPayment, "options", json.dumps({"card": {"number": CARD_NUMBER}})),
        (ExternalPayment, "reference", "4242-4242-4242-4242"),
        (Customer, "metadata", json.dumps({"pan": CARD_NUMBER})),
        (Order, "reference_origin", CARD_NUMBER),
        (PaymentGateway, "reference", CARD_NUMBER),
    ],
)
def test_card_number_is_refused_on_the_add_page(client, admin_user, wallet, model, field, value):
    base = {
        CustomerPaymentSource: {
            "customer": wallet["customer"].pk,
            "payment_source_token": "tok_test_amex_0005_0328",
        },
        ExternalPayment: {"order": wallet["order"].pk, "payment_source_token": TOKEN},
        Customer: {"mode": "test", "email": "new@example.com"},
        Order: {"mode": "test", "currency_code": "EUR", "total_amount_cents": "1"},
        PaymentGateway: {"mode": "test", "name": "Other", "kind": "test"},
    }[model]
    data = {"metadata": "{}", "options": "{}", **base, field: value}
    before = (model.objects.count(), AuditEntry.objects.count())
    response = client.post(add_url(model), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert "card number" in str(errors[field])
    assert (model.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("key", "field", "value"),
    [
        ("source", "reference", CARD_NUMBER),
        ("source", "reference_origin", CARD_NUMBER),
        ("source", "metadata", json.dumps({"pan": CARD_NUMBER})),
        ("payment", "options", json.dumps({"pan": CARD_NUMBER})),
        ("payment", "metadata", json.dumps({"nested": [CARD_NUMBER]})),
        ("customer", "reference", CARD_NUMBER),
    ],
)
def test_card_number_is_refused_on_the_change_page(client, admin_user, wallet, key, field, value):
    obj = wallet[key]
    response = client.get(change_url(obj))
    before = AuditEntry.objects.count()
    response = client.post(change_url(obj), form_data(response, **{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert AuditEntry.objects.count() == before
    stored = type(obj).objects.get(pk=obj.pk)
    assert CARD_NUMBER not in json.dumps(getattr(stored, field))


# --- default handling -------------------------------------------------------------------------


def _customer_with_sources(count: int):
    customer = factories.CustomerFactory()
    sources = [
        services.create_payment_source(
            customer=customer, payment_source_token=f"tok_test_visa_{4000 + i}_1230"
        )
        for i in range(count)
    ]
    return customer, sources


def test_set_as_default_action_moves_the_default(client, admin_user):
    customer, (_first, second) = _customer_with_sources(2)
    response = client.post(
        changelist_url(CustomerPaymentSource),
        {"action": "set_as_default", "_selected_action": [second.pk]},
    )
    assert response.status_code == 302
    assert CustomerPaymentSource.objects.get(customer=customer, is_default=True) == second
    assert AuditEntry.objects.filter(resource_id=second.pk, event="default_set").count() == 1


def test_set_as_default_action_refuses_two_sources_of_one_customer(client, admin_user):
    customer, (first, second) = _customer_with_sources(2)
    response = client.post(
        changelist_url(CustomerPaymentSource),
        {"action": "set_as_default", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert "one payment source per customer" in response.content.decode()
    assert CustomerPaymentSource.objects.get(customer=customer, is_default=True) == first


def test_set_as_default_action_handles_several_customers(client, admin_user):
    _, (_a1, a2) = _customer_with_sources(2)
    _, (_b1, b2) = _customer_with_sources(2)
    client.post(
        changelist_url(CustomerPaymentSource),
        {"action": "set_as_default", "_selected_action": [a2.pk, b2.pk]},
    )
    assert set(CustomerPaymentSource.objects.filter(is_default=True)) == {a2, b2}


def test_set_as_default_action_on_an_expired_card_is_an_error_message_not_a_500(client, admin_user):
    customer, (first,) = _customer_with_sources(1)
    expired = factories.CustomerPaymentSourceFactory(
        customer=customer, brand="discover", last4="1117", month=1, year=2021
    )
    response = client.post(
        changelist_url(CustomerPaymentSource),
        {"action": "set_as_default", "_selected_action": [expired.pk]},
        follow=True,
    )
    assert response.status_code == 200
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert ["expired card" in str(m) for m in errors] == [True]
    assert CustomerPaymentSource.objects.get(customer=customer, is_default=True) == first
    assert not AuditEntry.objects.filter(resource_id=expired.pk, event="default_set").exists()


def test_a_sources_customer_is_read_only_on_the_change_page(client, admin_user, wallet):
    source = wallet["source"]
    other = factories.CustomerFactory()
    response = client.get(change_url(source))
    assert "customer" not in response.context["adminform"].form.fields
    data = form_data(response, customer=other.pk)
    assert client.post(change_url(source), data).status_code == 302
    source.refresh_from_db()
    assert source.customer == wallet["customer"]


def test_deleting_the_default_source_moves_the_default(client, admin_user):
    customer, (first, second) = _customer_with_sources(2)
    response = client.post(delete_url(first), {"post": "yes"})
    assert response.status_code == 302
    assert list(CustomerPaymentSource.objects.filter(customer=customer)) == [second]
    second.refresh_from_db()
    assert second.is_default
    destroyed = AuditEntry.objects.get(resource_id=first.pk, event="destroy")
    assert destroyed.who["owner"]["id"] == str(admin_user.pk)


def test_bulk_delete_of_sources_goes_through_the_service(client, admin_user):
    customer, (first, second, third) = _customer_with_sources(3)
    response = client.post(
        changelist_url(CustomerPaymentSource),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(CustomerPaymentSource.objects.filter(customer=customer)) == [third]
    third.refresh_from_db()
    assert third.is_default


def test_bulk_delete_refused_by_a_service_deletes_nothing(client, admin_user, wallet):
    free_order = services.create_order(mode="test", currency_code="EUR", total_amount_cents=1)
    response = client.post(
        changelist_url(Order),
        {
            "action": "delete_selected",
            "_selected_action": [free_order.pk, wallet["order"].pk],
            "post": "yes",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "payment history" in response.content.decode()
    assert Order.objects.count() == 2


def test_deleting_a_record_with_payment_history_is_refused(client, admin_user, wallet):
    response = client.post(delete_url(wallet["order"]), {"post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete" in response.content.decode()
    assert Order.objects.filter(pk=wallet["order"].pk).exists()


def test_delete_refused_by_a_service_shows_a_message(client, admin_user, monkeypatch):
    _customer, (source,) = _customer_with_sources(1)

    def locked(*args, **kwargs):
        raise services.RecordLocked("Locked by the payment history.")

    monkeypatch.setattr(services, "delete_payment_source", locked)
    response = client.post(delete_url(source), {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == change_url(source)
    assert "Locked by the payment history." in response.content.decode()
    assert CustomerPaymentSource.objects.filter(pk=source.pk).exists()


# --- view-only staff ---------------------------------------------------------------------------


def view_only_user():
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="wallet", codename__startswith="view_")
    )
    return user


@pytest.fixture
def viewer(client):
    user = view_only_user()
    client.force_login(user)
    return user


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_view_only_staff_can_browse_every_changelist(client, viewer, wallet, model):
    response = client.get(changelist_url(model))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert 'name="action"' not in response.content.decode()


@pytest.mark.parametrize(
    "key", ["customer", "order", "gateway", "payment", "source", "transaction", "audit"]
)
def test_view_only_staff_sees_change_pages_without_save_buttons(client, viewer, wallet, key):
    response = client.get(change_url(wallet[key]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html
    assert TOKEN not in html
    assert CUSTOMER_TOKEN not in html


@pytest.mark.parametrize("key", ["customer", "order", "gateway", "payment", "source"])
def test_view_only_staff_cannot_change_add_or_delete(client, viewer, wallet, key):
    obj = wallet[key]
    audit_count = AuditEntry.objects.count()
    assert client.post(change_url(obj), {"reference": "hacked"}).status_code == 403
    assert client.post(add_url(type(obj)), {"reference": "hacked"}).status_code == 403
    assert client.post(delete_url(obj), {"post": "yes"}).status_code == 403
    assert type(obj).objects.get(pk=obj.pk).reference != "hacked"
    assert AuditEntry.objects.count() == audit_count


def test_view_only_staff_cannot_run_actions(client, viewer, wallet):
    customer, (first, second) = _customer_with_sources(2)
    client.post(
        changelist_url(CustomerPaymentSource),
        {"action": "set_as_default", "_selected_action": [second.pk]},
    )
    client.post(
        changelist_url(CustomerPaymentSource),
        {"action": "delete_selected", "_selected_action": [first.pk], "post": "yes"},
    )
    assert CustomerPaymentSource.objects.get(customer=customer, is_default=True) == first
    assert CustomerPaymentSource.objects.filter(customer=customer).count() == 2


# --- query counts ------------------------------------------------------------------------------


def _more_rows(count: int) -> None:
    for index in range(count):
        gateway = factories.PaymentGatewayFactory(name=f"Gateway {index}")
        order = factories.OrderFactory(payment_gateway=gateway)
        payment = services.create_external_payment(order=order, payment_source_token=TOKEN)
        services.save_payment_to_wallet(payment)
        services.place_order(order)


CHANGELIST_QUERIES = {
    Customer: 5,
    Order: 6,
    PaymentGateway: 5,
    ExternalPayment: 6,
    CustomerPaymentSource: 6,
    Transaction: 6,
    AuditEntry: 6,
}


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_changelist_query_count_is_constant_in_the_number_of_rows(
    client, admin_user, wallet, model, django_assert_num_queries
):
    url = changelist_url(model)
    client.get(url)  # warm the session and content types
    with django_assert_num_queries(CHANGELIST_QUERIES[model]):
        assert client.get(url).status_code == 200
    _more_rows(6)
    with django_assert_num_queries(CHANGELIST_QUERIES[model]):
        response = client.get(url)
    assert response.context["cl"].result_count > 1
