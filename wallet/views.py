"""Storefront pages: the customer's saved cards and paying an order.

Views translate HTTP into service calls and service outcomes into pages: reads go through
``wallet.selectors``, writes through ``wallet.services``, card presentation through
``wallet.cards``. A domain refusal becomes a message on the page, never a server error.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wallet import selectors, services
from wallet.cards import CardDisplay, describe_instrument, describe_source
from wallet.conf import wallet_settings
from wallet.forms import PaymentForm
from wallet.models import Customer, CustomerPaymentSource, Order

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


def _customer(request: HttpRequest) -> Customer:
    """The wallet customer of the logged-in user, in the storefront's mode."""
    try:
        customer = services.customer_for_user(request.user, wallet_settings.MODE)
    except ValidationError as exc:  # e.g. a staff account without an email address
        raise PermissionDenied(_("This account cannot use the shop's wallet.")) from exc
    if customer is None:
        raise PermissionDenied
    return customer


def _own_source(customer: Customer, card_id: str) -> CustomerPaymentSource:
    """One of the customer's saved cards, or 404 (another customer's card included)."""
    source = selectors.customer_wallet(customer).filter(pk=card_id).first()
    if source is None:
        raise Http404(_("No such card in your wallet."))
    return source


def _own_order(customer: Customer, order_id: str) -> Order:
    """One of the customer's orders, or 404 (another customer's order included)."""
    order = selectors.order_for_checkout(customer, order_id)
    if order is None:
        raise Http404(_("No such order."))
    return order


def _wallet_cards(customer: Customer) -> list[tuple[CustomerPaymentSource, CardDisplay]]:
    """The customer's saved cards with how to show them: usable ones first, default on top."""
    today = timezone.localdate()
    cards = [
        (source, describe_source(source, today=today))
        for source in selectors.customer_wallet(customer)
    ]
    return sorted(cards, key=lambda pair: pair[1].is_expired)  # stable: keeps the wallet order


# --- saved cards ---------------------------------------------------------------------------


@login_required
@require_GET
def saved_cards(request: HttpRequest) -> HttpResponse:
    """List the customer's saved cards, with their orders awaiting payment."""
    customer = _customer(request)
    cards = [card for _source, card in _wallet_cards(customer)]
    return render(
        request,
        "wallet/saved_cards.html",
        {
            "customer": customer,
            "cards": cards,
            "payable_orders": list(selectors.payable_orders(customer)[:5]),
            "expiring_soon_days": wallet_settings.EXPIRING_SOON_DAYS,
        },
    )


@login_required
@require_POST
@storefront_404
def set_default_card(request: HttpRequest, card_id: str) -> HttpResponse:
    """Make one of the customer's cards the default one."""
    customer = _customer(request)
    source = _own_source(customer, card_id)
    card = describe_source(source, today=timezone.localdate())
    if card.is_expired:
        messages.error(
            request,
            _("%(card)s has expired and cannot be your default card.") % {"card": card.label},
        )
        return redirect("wallet:saved-cards")
    try:
        services.set_default_payment_source(source, actor=services.actor_for_customer(customer))
    except (services.WalletError, ValidationError):
        logger.warning("Setting default card %s failed", source.pk, exc_info=True)
        messages.error(request, _("We could not change your default card. Please try again."))
    else:
        messages.success(request, _("%(card)s is now your default card.") % {"card": card.label})
    return redirect("wallet:saved-cards")


@login_required
@require_http_methods(["GET", "POST"])
@storefront_404
def remove_card(request: HttpRequest, card_id: str) -> HttpResponse:
    """Ask for confirmation (GET), then remove one of the customer's cards (POST)."""
    customer = _customer(request)
    source = _own_source(customer, card_id)
    card = describe_source(source, today=timezone.localdate())
    if request.method == "GET":
        return render(request, "wallet/remove_card.html", {"card": card})
    try:
        services.delete_payment_source(source, actor=services.actor_for_customer(customer))
    except (services.WalletError, ValidationError):
        logger.warning("Removing card %s failed", card_id, exc_info=True)
        messages.error(request, _("We could not remove %(card)s.") % {"card": card.label})
        return redirect("wallet:saved-cards")
    messages.success(request, _("%(card)s was removed from your wallet.") % {"card": card.label})
    if card.is_default:
        successor = selectors.customer_wallet(customer).filter(is_default=True).first()
        if successor is not None:
            new_default = describe_source(successor, today=timezone.localdate())
            messages.info(
                request,
                _("%(card)s is now your default card.") % {"card": new_default.label},
            )
    return redirect("wallet:saved-cards")


# --- checkout ------------------------------------------------------------------------------


def _not_payable(request: HttpRequest, order: Order) -> HttpResponse:
    """A paid order goes to its confirmation; any other unpayable order gets a clear page."""
    if order.payment_status in PAID_STATUSES:
        if request.method == "POST":
            messages.info(request, _("This order has already been paid. Nothing more was charged."))
        return redirect("wallet:confirmation", order_id=order.pk)
    return render(request, "wallet/order_unavailable.html", {"order": order}, status=409)


def _checkout(order: Order, form: PaymentForm, sources: dict[str, Any], customer: Customer) -> None:
    """Call the service that pays ``order`` the way the valid ``form`` says."""
    actor = services.actor_for_customer(customer)
    if form.uses_new_card:
        holder = form.cleaned_data.get("card_holder_name", "").strip()
        services.checkout_with_token(
            order,
            form.cleaned_data["payment_source_token"],
            options={"card_holder_name": holder} if holder else {},
            save_to_wallet=form.cleaned_data.get("save_card", False),
            actor=actor,
        )
    else:
        services.checkout_with_source(
            order, sources[form.cleaned_data["payment_method"]], actor=actor
        )


def _add_validation_errors(form: PaymentForm, exc: ValidationError) -> None:
    """Show a service's validation error on the form, under the field it names if any."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
@storefront_404
def payment(request: HttpRequest, order_id: str) -> HttpResponse:
    """Choose a saved card or a new one, and pay the order."""
    customer = _customer(request)
    order = _own_order(customer, order_id)
    if not order.is_payable:
        return _not_payable(request, order)
    wallet = _wallet_cards(customer)
    sources = {source.pk: source for source, _card in wallet}
    cards = [card for _source, card in wallet]
    payment_error = ""
    status = 200
    if request.method == "POST":
        form = PaymentForm(request.POST, cards=cards)
        if form.is_valid():
            try:
                _checkout(order, form, sources, customer)
            except services.PaymentDeclined:
                payment_error = _(
                    "Your card was declined and you have not been charged. "
                    "Please choose another card or try again."
                )
                status = 402
            except services.GatewayDown:
                logger.warning("Gateway down while paying order %s", order.pk, exc_info=True)
                payment_error = _(
                    "We could not reach the payment service and you have not been charged. "
                    "Please try again in a moment."
                )
                status = 503
            except services.OrderNotPayable:
                order.refresh_from_db()
                return _not_payable(request, order)
            except services.WalletError as exc:  # any other domain refusal: nothing was charged
                logger.warning("Checkout of order %s refused", order.pk, exc_info=True)
                payment_error = str(exc.message)
                status = 409
            except ValidationError as exc:
                order.refresh_from_db()
                if not order.is_payable:  # paid, but saving the card afterwards failed
                    messages.warning(
                        request, _("Your payment went through, but the card was not saved.")
                    )
                    return redirect("wallet:confirmation", order_id=order.pk)
                _add_validation_errors(form, exc)
                status = 422
            else:
                if form.uses_new_card and form.cleaned_data.get("save_card"):
                    messages.success(request, _("Your card is saved in your wallet for next time."))
                return redirect("wallet:confirmation", order_id=order.pk)
        else:
            status = 422
    else:
        form = PaymentForm(cards=cards)
    return render(
        request,
        "wallet/payment.html",
        {
            "order": order,
            "form": form,
            "cards": cards,
            "selected": form.initial_method(),
            "payment_error": payment_error,
            "is_test_gateway": order.payment_gateway is None
            or order.payment_gateway.kind == "test",
        },
        status=status,
    )


@login_required
@require_GET
@storefront_404
def confirmation(request: HttpRequest, order_id: str) -> HttpResponse:
    """Thank the customer: order number, amount and the card that paid."""
    customer = _customer(request)
    order = _own_order(customer, order_id)
    if order.is_payable:
        return redirect("wallet:payment", order_id=order.pk)
    paid_with = selectors.authorized_payment(order)
    if paid_with is None:
        return render(request, "wallet/order_unavailable.html", {"order": order}, status=409)
    card = describe_instrument(paid_with.payment_instrument, today=timezone.localdate())
    return render(
        request,
        "wallet/confirmation.html",
        {"order": order, "card": card, "customer": customer},
    )
