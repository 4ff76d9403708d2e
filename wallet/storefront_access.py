"""What every storefront page needs: the shopper's customer, their own orders and cards, 404s.

Shared by the wallet's storefront views (:mod:`wallet.views`) and the gateway pages
(:mod:`wallet.authentication_views`). Reads go through ``wallet.selectors``; anything outside
the customer's scope is a 404.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wallet import selectors, services
from wallet.conf import wallet_settings
from wallet.models import Customer, CustomerPaymentSource, Order

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


def not_payable(request: HttpRequest, order: Order) -> HttpResponse:
    """A paid order goes to its confirmation; any other unpayable order gets a clear page."""
    if order.payment_status in PAID_STATUSES:
        if request.method == "POST":
            messages.info(request, _("This order has already been paid. Nothing more was charged."))
        return redirect("wallet:confirmation", order_id=order.pk)
    return render(request, "wallet/order_unavailable.html", {"order": order}, status=409)
