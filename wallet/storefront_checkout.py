"""The checkout page (``wallet/payment.html``): its saved cards, its context, a cached visit.

:func:`wallet.views.payment` answers a visit (GET) with :func:`payment_visit`, which serves the
whole page from the cache while nothing it shows changed, and a refused payment (POST) by
rendering :func:`payment_context` with the refusal.
"""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from wallet import gateway_services, selectors
from wallet.conf import wallet_settings
from wallet.forms import PaymentForm
from wallet.instruments import CardDisplay, describe_source
from wallet.models import Customer, CustomerPaymentSource, Order
from wallet.storefront_access import cached_page, card_options, new_card_panel

# What drawing a saved card reads (and the checkout's cache keys): a page that only shows the
# wallet loads these columns, not the whole row.
DISPLAY_FIELDS = (
    "id",
    "mode",
    "customer_id",
    "payment_instrument",
    "is_default",
    "nickname",
    "updated_at",
)


def described_cards(
    sources: list[CustomerPaymentSource], today: datetime.date, soon_days: int
) -> list[tuple[CustomerPaymentSource, CardDisplay]]:
    """Each saved card with how to show it: usable ones first, else in the wallet's order."""
    cards = [
        (source, describe_source(source, today=today, soon_days=soon_days)) for source in sources
    ]
    return sorted(cards, key=lambda pair: pair[1].is_expired)  # stable: keeps the wallet order


def payment_visit(request: HttpRequest, customer: Customer, order: Order) -> HttpResponse:
    """The checkout page of a visit (GET), from the cache while nothing it shows changed.

    The page shows the order, its gateway and the customer's saved cards as they are today:
    their fields are the cache key, so the cards are only described (and the page rendered)
    when one of them changed, or the date did.
    """
    today = timezone.localdate()
    soon_days = int(wallet_settings.EXPIRING_SOON_DAYS)
    sources = list(selectors.customer_wallet(customer).only(*DISPLAY_FIELDS))
    stripe = gateway_services.browser_gateway(order)
    vary_on: list[object] = [
        order.pk,
        order.updated_at.isoformat() if order.updated_at else "",
        order.number,
        order.created_at.isoformat() if order.created_at else "",
        order.mode,
        order.total_amount_cents,
        order.currency_code,
        order.payment_gateway_id,
        sorted((stripe or {}).items()),
        order.payment_gateway.kind if order.payment_gateway else "",
        today.isoformat(),
        soon_days,
    ]
    # Every field a card shows, in the wallet's order.
    for source in sources:
        vary_on.append(
            f"{source.pk}|{source.updated_at.isoformat() if source.updated_at else ''}|"
            f"{source.is_default}|{source.nickname!r}|{source.payment_instrument!r}"
        )

    def context() -> dict[str, Any]:
        wallet = described_cards(sources, today, soon_days)
        form = PaymentForm(cards=[card for _source, card in wallet])
        return payment_context(customer, order, wallet, form)

    return cached_page(request, customer, "wallet/payment.html", context, vary_on)


def payment_context(
    customer: Customer,
    order: Order,
    wallet: list[tuple[CustomerPaymentSource, CardDisplay]],
    form: PaymentForm,
    *,
    decline: dict[str, str] | None = None,
    payment_error: str = "",
) -> dict[str, Any]:
    """What ``wallet/payment.html`` shows, its two fragments from their cache."""
    selected = form.initial_method()
    kept = form.kept_card_details()
    stripe = gateway_services.browser_gateway(order)
    is_test_gateway = order.payment_gateway is not None and order.payment_gateway.kind == "test"
    return {
        "order": order,
        "form": form,
        "cards": [card for _source, card in wallet],
        "card_options": card_options(customer, wallet, selected, decline),
        "new_card_panel": new_card_panel(
            customer,
            stripe=stripe is not None,
            test_mode=order.mode == "test",
            is_test_gateway=is_test_gateway,
            decline=decline,
            kept=kept,
        ),
        "selected": selected,
        "total": order.total_amount,  # formatted once: the page shows it three times
        "payment_error": payment_error,
        "decline": decline,
        "kept": kept,
        "is_test_gateway": is_test_gateway,
        "stripe": stripe,
    }
