"""The checkout page and its cached fragments never show stale or another shopper's content.

A visit's whole page, the saved-card options and the new-card panel are rendered once per
customer, language and everything they show (``wallet.storefront_access``); these tests change
each of those and check that the page follows, that one shopper never sees another's page or
fragment, that the CSRF token and flash messages stay the request's own, and that a cache outage
costs only the rendering.
"""

import datetime
import re

from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.support.shop import add_card
from wallet import services, storefront_access
from wallet.instruments import describe_source
from wallet.models import CustomerPaymentSource, Order
from wallet.storefront_access import CSRF_PLACEHOLDER, card_options_key


def payment_url(order):
    return reverse("wallet:payment", kwargs={"order_id": order.pk})


def card_options_html(response) -> str:
    """The saved-card options of a checkout page: the fieldset up to the "new card" option."""
    html = response.content.decode()
    start = html.index('<legend class="pay-options__legend">')
    return html[start : html.index('<div class="pay-option pay-option--new">', start)]


def checked_card(response) -> str:
    """The id of the radio option checked on the page."""
    match = re.search(
        r'name="payment_method" id="pm-([^"]+)" value="[^"]+" checked', response.content.decode()
    )
    assert match, "no option is checked"
    return match.group(1)


def cached_fragments() -> list[str]:
    """The cached card-option fragments (the test cache is process memory)."""
    return [key for key in cache._cache if "wallet:checkout-card-options:" in key]


def test_a_second_visit_reuses_the_rendered_options_and_shows_the_same_page(
    shopper, order, visa, mastercard
):
    first = shopper.get(payment_url(order))
    assert first.status_code == 200
    assert len(cached_fragments()) == 1
    second = shopper.get(payment_url(order))
    assert len(cached_fragments()) == 1  # read back, not rendered under a new key
    assert card_options_html(second) == card_options_html(first)
    assert f'id="pm-{visa.pk}"' in card_options_html(second)
    assert f'id="pm-{mastercard.pk}"' in card_options_html(second)
    assert checked_card(second) == visa.pk


def test_renaming_a_card_shows_its_new_nickname_at_once(shopper, customer, order, visa):
    assert "Holiday card" not in card_options_html(shopper.get(payment_url(order)))
    services.rename_payment_source(
        visa, "Holiday card", actor=services.actor_for_customer(customer)
    )
    assert '<span class="pay-option__nickname">Holiday card</span>' in card_options_html(
        shopper.get(payment_url(order))
    )


def test_a_new_default_card_is_preselected_at_once(shopper, customer, order, visa, mastercard):
    assert checked_card(shopper.get(payment_url(order))) == visa.pk
    services.set_default_payment_source(mastercard, actor=services.actor_for_customer(customer))
    response = shopper.get(payment_url(order))
    assert checked_card(response) == mastercard.pk
    # The Default badge moved with it: it sits in the mastercard's option only.
    options = card_options_html(response)
    mastercard_option = options[options.index(f'id="pm-{mastercard.pk}"') :]
    visa_option = options[
        options.index(f'id="pm-{visa.pk}"') : options.index(f'id="pm-{mastercard.pk}"')
    ]
    assert "badge--default" in mastercard_option
    assert "badge--default" not in visa_option


def test_a_removed_card_disappears_and_an_added_one_appears(
    shopper, customer, order, visa, mastercard
):
    shopper.get(payment_url(order))
    services.remove_payment_source(mastercard, actor=services.actor_for_customer(customer))
    amex = add_card(customer, "amex", "0005", 1, 2032)
    options = card_options_html(shopper.get(payment_url(order)))
    assert f'id="pm-{mastercard.pk}"' not in options
    assert f'id="pm-{amex.pk}"' in options


def test_the_options_follow_the_language(shopper, order, visa):
    english = card_options_html(shopper.get(payment_url(order), HTTP_ACCEPT_LANGUAGE="en"))
    french = card_options_html(shopper.get(payment_url(order), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Default" in english and "Expires 12/2030" in english
    assert "Par défaut" in french and "Expire 12/2030" in french
    assert "Default<" not in french
    again = card_options_html(shopper.get(payment_url(order), HTTP_ACCEPT_LANGUAGE="en"))
    assert again == english


def test_two_shoppers_never_share_options(client, customer, order, visa, db):
    other = factories.CustomerFactory()
    other_order = factories.OrderFactory(customer=other)
    other_card = add_card(other, "visa", "4242", is_default=True)  # the same card, displayed alike
    client.force_login(customer.user)
    mine = card_options_html(client.get(payment_url(order)))
    client.force_login(other.user)
    theirs = card_options_html(client.get(payment_url(other_order)))
    assert f'id="pm-{other_card.pk}"' in theirs and visa.pk not in theirs
    assert f'id="pm-{visa.pk}"' in mine and other_card.pk not in mine
    assert len(cached_fragments()) == 2


def test_the_key_names_the_customer_and_changes_with_what_the_options_show(customer, visa):
    other = factories.CustomerFactory()
    today = datetime.date(2030, 12, 10)
    valid = [(visa, describe_source(visa, today=datetime.date(2030, 1, 1)))]
    expiring = [(visa, describe_source(visa, today=today))]
    key = card_options_key(customer, valid, visa.pk, None)
    assert f":{customer.pk}:" in key
    assert card_options_key(customer, valid, visa.pk, None) == key  # stable
    assert card_options_key(other, valid, visa.pk, None) != key
    assert card_options_key(customer, expiring, visa.pk, None) != key  # state depends on today
    assert card_options_key(customer, valid, "new", None) != key
    declined = {"card_id": visa.pk, "reason": "declined", "next_step": "", "field": ""}
    assert card_options_key(customer, valid, visa.pk, declined) != key


def test_a_decline_shows_under_its_card_after_a_cached_visit(shopper, customer, order, visa):
    shopper.get(payment_url(order))
    declined = add_card(
        customer,
        "mastercard",
        "0002",
        payment_source_token="tok_test_mastercard_0002_1230_decline",
    )
    response = shopper.post(payment_url(order), {"payment_method": declined.pk})
    assert response.status_code == 402
    options = card_options_html(response)
    assert 'id="pm-decline"' in options
    assert f'id="pm-{declined.pk}" value="{declined.pk}" checked' in options
    # The next plain visit shows no decline.
    assert 'id="pm-decline"' not in card_options_html(shopper.get(payment_url(order)))


def test_a_cache_outage_still_renders_the_options(shopper, order, visa, monkeypatch):
    def unavailable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", unavailable)
    monkeypatch.setattr(cache, "set", unavailable)
    response = shopper.get(payment_url(order))
    assert response.status_code == 200
    assert f'id="pm-{visa.pk}"' in card_options_html(response)


def holder_input(response) -> str:
    """The "Name on card" input of the new-card panel."""
    return re.search(r'<input[^>]+id="card-holder"[^>]*>', response.content.decode()).group()


def test_what_a_shopper_typed_before_a_decline_stays_theirs_and_that_request_only(
    client, customer, order, visa
):
    client.force_login(customer.user)
    assert 'value=""' in holder_input(client.get(payment_url(order)))
    declined = client.post(
        payment_url(order),
        {
            "payment_method": "new",
            "payment_source_token": "tok_test_visa_0002_1131_decline",
            "card_holder_name": "Ada Lovelace",
            "card_expiry": "11/31",
        },
    )
    assert declined.status_code == 402
    assert 'value="Ada Lovelace"' in holder_input(declined)
    assert 'id="card-decline"' in declined.content.decode()
    # The next visit, and another shopper's page, show an empty panel with no decline.
    again = client.get(payment_url(order))
    assert 'value=""' in holder_input(again)
    assert 'id="card-decline"' not in again.content.decode()
    other = factories.CustomerFactory()
    other_order = factories.OrderFactory(customer=other)
    client.force_login(other.user)
    theirs = client.get(payment_url(other_order))
    assert "Ada Lovelace" not in theirs.content.decode()
    assert 'id="card-decline"' not in theirs.content.decode()


def test_the_new_card_panel_follows_the_language(shopper, order):
    english = shopper.get(payment_url(order), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = shopper.get(payment_url(order), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert ">Card details<" in english
    assert ">Card details<" not in french
    assert ">Coordonnées de la carte<" in french


# --- the whole page -------------------------------------------------------------------------


def cached_pages() -> list[str]:
    """The cached checkout pages (the test cache is process memory)."""
    return [key for key in cache._cache if "wallet:checkout-page:" in key]


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def without_csrf_tokens(response) -> str:
    """The page with its CSRF tokens blanked (they differ on every response)."""
    return CSRF_INPUT.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())


def test_a_second_visit_serves_the_whole_page_from_the_cache(shopper, order, visa):
    first = shopper.get(payment_url(order))
    second = shopper.get(payment_url(order))
    assert "wallet/payment.html" in [template.name for template in first.templates]
    assert second.templates == []  # nothing rendered
    assert len(cached_pages()) == 1
    assert without_csrf_tokens(second) == without_csrf_tokens(first)
    assert CSRF_PLACEHOLDER not in second.content.decode()


def test_a_cached_visit_costs_the_queries_of_a_rendered_one(
    shopper, order, visa, django_assert_num_queries
):
    shopper.get(payment_url(order))
    # session, user, the order with its customer and gateway (one join), cards
    with django_assert_num_queries(4):
        response = shopper.get(payment_url(order))
    assert response.status_code == 200 and response.templates == []


def test_a_cached_page_carries_the_csrf_token_of_its_own_session(customer, order, visa):
    first = Client(enforce_csrf_checks=True)
    first.force_login(customer.user)
    first.get(payment_url(order))  # rendered and kept
    second = Client(enforce_csrf_checks=True)  # another session of the same shopper
    second.force_login(customer.user)
    page = second.get(payment_url(order))
    assert page.templates == []  # the kept page
    tokens = set(CSRF_INPUT.findall(page.content.decode()))
    assert len(tokens) == 1  # every form of the page carries the request's token
    response = second.post(
        payment_url(order), {"payment_method": visa.pk, "csrfmiddlewaretoken": tokens.pop()}
    )
    assert response.status_code == 302


def test_a_flash_message_shows_on_one_visit_only(shopper, order, visa, mastercard):
    url = reverse("wallet:set-default-card", kwargs={"card_id": mastercard.pk})
    assert shopper.post(url).status_code == 302  # its message waits for the next page
    assert "is now your default card" in shopper.get(payment_url(order)).content.decode()
    again = shopper.get(payment_url(order))
    assert "is now your default card" not in again.content.decode()


def test_the_page_follows_the_order_and_the_shoppers_email(shopper, customer, order, visa):
    assert "€49.90" in shopper.get(payment_url(order)).content.decode()
    # A write that leaves updated_at alone still shows: the key holds what the page shows.
    Order.objects.filter(pk=order.pk).update(total_amount_cents=1234)
    html = shopper.get(payment_url(order)).content.decode()
    assert "€12.34" in html and "€49.90" not in html
    customer.user.email = "renamed@example.com"
    customer.user.save()
    assert "renamed@example.com" in shopper.get(payment_url(order)).content.decode()


def test_the_page_follows_a_card_written_around_the_services(shopper, order, visa):
    shopper.get(payment_url(order))
    CustomerPaymentSource.objects.filter(pk=visa.pk).update(nickname="Work card")
    assert "Work card" in shopper.get(payment_url(order)).content.decode()


def test_the_page_follows_the_date(shopper, customer, order, monkeypatch):
    card = add_card(customer, "visa", "4242", month=12, year=2030, is_default=True)
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2030, 6, 1))
    assert (
        f'id="pm-{card.pk}" value="{card.pk}" checked'
        in shopper.get(payment_url(order)).content.decode()
    )
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2031, 1, 1))
    html = shopper.get(payment_url(order)).content.decode()
    assert f'id="pm-{card.pk}" value="{card.pk}" checked' not in html  # expired: not payable with


def test_a_changed_template_changes_every_key(tmp_path, settings):
    """A deploy that edits any template (the shop's included) never serves old cached markup."""
    template = tmp_path / "base.html"
    template.write_text("<p>one</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    storefront_access.markup_version.cache_clear()
    before = storefront_access.markup_version()

    template.write_text("<p>two</p>")
    storefront_access.markup_version.cache_clear()
    after = storefront_access.markup_version()

    storefront_access.markup_version.cache_clear()
    assert before != after
