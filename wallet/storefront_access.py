"""What every storefront page needs: the shopper's customer, their own orders and cards, 404s.

Shared by the wallet's storefront views (:mod:`wallet.views`) and the gateway pages
(:mod:`wallet.authentication_views`). Reads go through ``wallet.selectors``; anything outside
the customer's scope is a 404.
"""

import dataclasses
import functools
import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.template.utils import get_app_template_dirs
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wallet import selectors, services
from wallet.conf import wallet_settings
from wallet.instruments import CardDisplay
from wallet.models import Customer, CustomerPaymentSource, Order
from wallet.ratelimit import CACHE_ERRORS

logger = logging.getLogger(__name__)

PAID_STATUSES = (Order.PaymentStatus.AUTHORIZED, Order.PaymentStatus.PAID)


def storefront_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a missing (or someone else's) order or card with the shop's own 404 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return render(request, "wallet/not_found.html", status=404)

    return wrapper


def current_customer(request: HttpRequest) -> Customer:
    """The wallet customer of the logged-in user, in the storefront's mode.

    Reads never write: a GET by a user without a customer is a 404 (they have no cards or
    orders). A write (POST) creates the customer on first use.
    """
    if request.method in ("GET", "HEAD"):
        customer = selectors.customer_of_user(request.user, wallet_settings.MODE)
        if customer is None:
            raise Http404(_("No such order."))
        return customer
    try:
        return services.ensure_customer_for_user(request.user, wallet_settings.MODE)
    except ValidationError as exc:  # e.g. no email address, or another customer has it
        raise PermissionDenied(_("This account cannot use the shop's wallet.")) from exc


def own_source(customer: Customer, card_id: str) -> CustomerPaymentSource:
    """One of the customer's saved cards, or 404 (another customer's card included)."""
    source = selectors.customer_wallet(customer).filter(pk=card_id).first()
    if source is None:
        raise Http404(_("No such card in your wallet."))
    return source


def own_order(customer: Customer, order_id: str) -> Order:
    """One of the customer's orders, or 404 (another customer's order included)."""
    order = selectors.order_for_checkout(customer, order_id)
    if order is None:
        raise Http404(_("No such order."))
    return order


def own_checkout(request: HttpRequest, order_id: str) -> tuple[Customer, Order]:
    """The shopper's customer and one of their orders to pay, or 404.

    A GET reads both in one query; a POST goes through :func:`current_customer` (which creates
    the customer on first use) and :func:`own_order`.
    """
    if request.method in ("GET", "HEAD"):
        order = selectors.user_order_for_checkout(request.user, wallet_settings.MODE, order_id)
        if order is None or order.customer is None:  # the query joins the customer: never None
            raise Http404(_("No such order."))
        return order.customer, order
    customer = current_customer(request)
    return customer, own_order(customer, order_id)


def not_payable(request: HttpRequest, order: Order) -> HttpResponse:
    """A paid order goes to its confirmation; any other unpayable order gets a clear page."""
    if order.payment_status in PAID_STATUSES:
        if request.method == "POST":
            messages.info(request, _("This order has already been paid. Nothing more was charged."))
        return redirect("wallet:confirmation", order_id=order.pk)
    return render(request, "wallet/order_unavailable.html", {"order": order}, status=409)


# Checkout fragments rendered once per customer, language and what they show, then reused.
CARD_OPTIONS_TEMPLATE = "wallet/includes/pay_options.html"
NEW_CARD_PANEL_TEMPLATE = "wallet/includes/new_card_panel.html"
# Part of every key with :func:`markup_version`: bump it when what a key covers changes.
FRAGMENT_VERSION = "2"
FRAGMENT_SECONDS = 600
# Stands for the CSRF token in a cached page: each response gets its request's own token.
CSRF_PLACEHOLDER = "wallet-csrf-token-placeholder-5b0f3c"


@functools.cache
def markup_version() -> str:
    """A digest of every template the shop can load and of its static files' manifest.

    Part of every cache key, so a deploy that changes a template (the shop's or the wallet's)
    or a hashed static file name never serves markup cached by the previous release, even from
    a cache shared by several workers. Computed once per process.
    """
    digest = hashlib.sha256(FRAGMENT_VERSION.encode())
    engines: list[dict[str, Any]] = settings.TEMPLATES
    directories = [Path(d) for engine in engines for d in engine.get("DIRS", [])]
    directories += [Path(d) for d in get_app_template_dirs("templates")]
    for directory in directories:
        for path in sorted(directory.rglob("*.html")):
            digest.update(str(path.relative_to(directory)).encode())
            digest.update(path.read_bytes())
    digest.update(str(getattr(staticfiles_storage, "manifest_hash", "")).encode())
    return digest.hexdigest()[:16]


def fragment_key(name: str, customer: Customer, vary_on: Sequence[object]) -> str:
    """The cache key of a checkout fragment of ``customer`` that shows ``vary_on``.

    The customer's id scopes it (nothing is shared between shoppers); the templates' version,
    the language and the script prefix (links) are always part of it.
    """
    parts = [markup_version(), get_language() or "", get_script_prefix(), *map(str, vary_on)]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"wallet:checkout-{name}:{customer.pk}:{digest}"


def card_options_key(
    customer: Customer,
    wallet: Sequence[tuple[CustomerPaymentSource, CardDisplay]],
    selected: str,
    decline: dict[str, str] | None,
) -> str:
    """The cache key of the checkout's card options: everything the fragment shows.

    Each card's id, ``updated_at`` and every displayed field (its state depends on today)
    change it when a card changes, as do the selected card and a decline.
    """
    parts: list[object] = [selected, sorted((decline or {}).items())]
    for source, card in wallet:
        parts.append(source.updated_at.isoformat() if source.updated_at else "")
        parts.extend(getattr(card, field.name) for field in dataclasses.fields(card))
    return fragment_key("card-options", customer, parts)


def _cache_get(key: str) -> str | None:
    """The cached markup under ``key``; ``None`` when absent or the cache is unreachable."""
    try:
        return cast(str | None, cache.get(key))
    except CACHE_ERRORS:  # a cache outage must not break the checkout
        logger.warning("Cache unavailable reading checkout markup", exc_info=True)
        return None


def _cache_set(key: str, html: str) -> None:
    """Keep ``html`` under ``key`` for :data:`FRAGMENT_SECONDS`; a cache outage is only logged."""
    try:
        cache.set(key, html, FRAGMENT_SECONDS)
    except CACHE_ERRORS:
        logger.warning("Cache unavailable storing checkout markup", exc_info=True)


def _cached_render(key: str, template: str, context: dict[str, Any]) -> SafeString:
    """``template`` rendered with ``context``, from the cache under ``key`` when it is there.

    The cache only saves rendering: when it is unreachable the fragment is rendered anyway.
    """
    html = _cache_get(key)
    if html is None:
        html = str(render_to_string(template, context).strip())
        _cache_set(key, html)
    return mark_safe(html)  # noqa: S308 - rendered from our autoescaped templates


def has_pending_messages(request: HttpRequest) -> bool:
    """Whether the request carries flash messages to show (reading them does not consume them)."""
    return len(get_messages(request)) > 0


def cached_page(
    request: HttpRequest,
    customer: Customer,
    template: str,
    context: Callable[[], dict[str, Any]],
    vary_on: Sequence[object],
) -> HttpResponse:
    """A GET page of ``customer``, rendered once per everything it shows and then reused.

    ``vary_on`` lists every field of the view's data the page shows (the order's, the
    cards' …); the key adds the customer, the user's name and email (the
    page header), the full path (the language form's ``next``), the language, the time zone
    and the script prefix. ``context`` is called only to render. The CSRF token is the only
    part that differs between two visits: the page is kept with :data:`CSRF_PLACEHOLDER` in
    its place and every response gets the request's own token. A request with flash messages
    to show is rendered as usual and not kept (they show once).
    """
    if has_pending_messages(request):
        return render(request, template, context())
    user = request.user
    parts = [
        template,
        request.get_full_path(),
        timezone.get_current_timezone_name(),
        user.pk,
        user.get_username(),
        getattr(user, "email", ""),
        *vary_on,
    ]
    key = fragment_key("page", customer, parts)
    html = _cache_get(key)
    if html is None:
        html = str(
            render_to_string(template, {**context(), "csrf_token": CSRF_PLACEHOLDER}, request)
        )
        _cache_set(key, html)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def card_options(
    customer: Customer,
    wallet: Sequence[tuple[CustomerPaymentSource, CardDisplay]],
    selected: str,
    decline: dict[str, str] | None,
) -> SafeString:
    """The checkout's saved-card radio options, from the cache when nothing they show changed."""
    context = {
        "cards": [card for _source, card in wallet],
        "selected": selected,
        "decline": decline,
    }
    key = card_options_key(customer, wallet, selected, decline)
    return _cached_render(key, CARD_OPTIONS_TEMPLATE, context)


def new_card_panel(
    customer: Customer,
    *,
    stripe: bool,
    test_mode: bool,
    is_test_gateway: bool,
    decline: dict[str, str] | None,
    kept: dict[str, Any],
) -> SafeString:
    """The checkout's "new card" fields and test-card hints, from the cache when unchanged.

    ``kept`` is what the shopper typed before a decline (holder, expiry, "save"): it is part of
    the key, and the key names the customer.
    """
    context = {
        "stripe": stripe,
        "test_mode": test_mode,
        "is_test_gateway": is_test_gateway,
        "decline": decline,
        "kept": kept,
    }
    vary_on = [stripe, test_mode, is_test_gateway, sorted((decline or {}).items())]
    vary_on.append(sorted(kept.items()))
    key = fragment_key("new-card-panel", customer, vary_on)
    return _cached_render(key, NEW_CARD_PANEL_TEMPLATE, context)
