"""The card-entry fields have one home.

The checkout's "new card" panel and the add and update card forms render one template
(``wallet/includes/card_entry.html``), so they show the same fields with the same ids, labels,
autocomplete and messages; the two gateways' scripts share their DOM helpers through one script
(``wallet/static/wallet/card-panel.js``) that each page loads first.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories

TEMPLATES = Path(settings.BASE_DIR) / "wallet" / "templates" / "wallet"
STATIC = Path(settings.BASE_DIR) / "wallet" / "static" / "wallet"
CARD_INPUTS = ("card-number", "card-expiry", "card-cvc", "card-holder")


@pytest.fixture
def pages(shopper, customer, gateway) -> dict[str, str]:
    """The checkout, "Add a card" and "Edit card" pages of the test gateway, as HTML."""
    order = factories.OrderFactory(customer=customer, payment_gateway=gateway)
    today = datetime.date.today()
    card = factories.CustomerPaymentSourceFactory(
        customer=customer, brand="visa", last4="4242", month=today.month, year=today.year
    )
    urls = {
        "checkout": reverse("wallet:payment", kwargs={"order_id": order.pk}),
        "add": reverse("wallet:add-card"),
        "edit": reverse("wallet:edit-card", kwargs={"card_id": card.pk}),
    }
    found = {}
    for name, url in urls.items():
        response = shopper.get(url)
        assert response.status_code == 200, name
        found[name] = response.content.decode()
    return found


def card_fields(html: str) -> dict[str, object]:
    """What a page's card-entry fields say: each input (less its value), label and messages."""
    inputs = {
        input_id: re.sub(
            r' value="[^"]*"', "", re.search(rf'<input[^>]+id="{input_id}"[^>]*>', html).group()
        )
        for input_id in CARD_INPUTS
    }
    labels = {
        input_id: re.search(rf'<label[^>]+for="{input_id}"[^>]*>(.*?)</label>', html, re.S).group(1)
        for input_id in CARD_INPUTS
    }
    panel = re.search(r"<div[^>]+data-card-panel[^>]*>", html).group()
    messages = sorted(re.findall(r'data-msg-[a-z-]+="[^"]*"', panel))
    hidden = r'<input type="hidden" name="[a-z_]+" value="" data-[a-z-]+>'
    outputs = sorted(re.findall(hidden, html))
    return {"inputs": inputs, "labels": labels, "messages": messages, "outputs": outputs}


def test_the_card_entry_markup_lives_in_one_template():
    homes = [
        path.relative_to(TEMPLATES).as_posix()
        for path in sorted(TEMPLATES.rglob("*.html"))
        if 'id="card-number"' in path.read_text() or "data-msg-cvc-invalid" in path.read_text()
    ]
    assert homes == ["includes/card_entry.html"]


def test_the_checkout_and_the_card_forms_show_the_same_card_fields(pages):
    checkout = card_fields(pages["checkout"])
    assert card_fields(pages["add"]) == checkout
    assert card_fields(pages["edit"]) == checkout
    assert 'autocomplete="cc-number"' in checkout["inputs"]["card-number"]
    assert len(checkout["messages"]) == 9


def test_each_card_page_loads_the_shared_helpers_before_the_card_script(pages):
    for name, html in pages.items():
        scripts = re.findall(r'<script src="/static/wallet/([a-z-]+\.js)"', html)
        assert scripts == ["storefront.js", "card-panel.js", "tokenize.js"], name


def test_the_card_scripts_keep_no_copy_of_the_shared_helpers():
    helpers = (STATIC / "card-panel.js").read_text()
    for marker in ("data-needs-js", 'name === "payment_method"', "data-server-invalid"):
        assert marker in helpers
        for script in ("tokenize.js", "stripe-checkout.js"):
            assert marker not in (STATIC / script).read_text(), (script, marker)
