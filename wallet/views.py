"""Storefront pages: the customer's saved cards and paying an order.

Views translate HTTP into service calls and service outcomes into pages: reads go through
``wallet.selectors``, writes through ``wallet.services``, card presentation through
``wallet.instruments``. A domain refusal becomes a message on the page, never a server error.
"""

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wallet import gateway_services, selectors, services
from wallet.conf import wallet_settings
from wallet.exceptions import AuthenticationRequired
from wallet.forms import CardTokenForm, NicknameForm, PaymentForm
from wallet.instruments import CardDisplay, describe_instrument, describe_source
from wallet.models import Customer, CustomerPaymentSource, Order
from wallet.storefront_access import (
    current_customer,
    not_payable,
    own_checkout,
    own_order,
    own_source,
    storefront_404,
)
from wallet.storefront_checkout import (
    DISPLAY_FIELDS,
    described_cards,
    payment_context,
    payment_visit,
)

logger = logging.getLogger(__name__)


def _wallet_cards(
    customer: Customer, *, display_only: bool = False
) -> list[tuple[CustomerPaymentSource, CardDisplay]]:
    """The customer's saved cards with how to show them: usable ones first, default on top.

    ``display_only`` loads just :data:`DISPLAY_FIELDS` (a page that pays with a card needs
    the whole row).
    """
    wallet = selectors.customer_wallet(customer)
    if display_only:
        wallet = wallet.only(*DISPLAY_FIELDS)
    return described_cards(
        list(wallet), timezone.localdate(), int(wallet_settings.EXPIRING_SOON_DAYS)
    )


# --- saved cards ---------------------------------------------------------------------------


def _removed_card(request: HttpRequest, customer: Customer | None) -> CardDisplay | None:
    """The card named by ``?removed=`` that the customer may still bring back, for "Undo"."""
    removed_id = request.GET.get("removed", "")
    if customer is None or not removed_id.isalnum():
        return None
    source = selectors.removed_payment_source(customer, removed_id)
    return describe_source(source, today=timezone.localdate()) if source else None


@login_required
@require_GET
def saved_cards(request: HttpRequest) -> HttpResponse:
    """List the customer's saved cards, with their orders awaiting payment (none yet: empty).

    After a removal (``?removed=<card id>``) the page offers to undo it while that is possible.
    """
    customer = selectors.customer_of_user(request.user, wallet_settings.MODE)
    wallet = _wallet_cards(customer, display_only=True) if customer else []
    cards = [card for _source, card in wallet]
    return render(
        request,
        "wallet/saved_cards.html",
        {
            "customer": customer,
            "cards": cards,
            "removed_card": _removed_card(request, customer),
            "undo_minutes": max(1, round(int(wallet_settings.REMOVAL_UNDO_SECONDS) / 60)),
            "can_add_cards": selectors.card_saving_gateway(wallet_settings.MODE) is not None,
            "payable_orders": list(selectors.payable_orders(customer)[:5]) if customer else [],
            "expiring_soon_days": wallet_settings.EXPIRING_SOON_DAYS,
        },
    )


def _card_form_error(form: Form, exc: Exception) -> int:
    """Show a service's refusal on a card form; return the status code of the page."""
    if isinstance(exc, ValidationError):
        _add_validation_errors(form, exc)
        return 422
    if isinstance(exc, services.GatewayDown):
        form.add_error(
            None,
            _("We could not reach the payment service. Please try again in a moment."),
        )
        return 503
    form.add_error(None, str(getattr(exc, "message", exc)))
    return 409


@login_required
@require_http_methods(["GET", "POST"])
def add_card(request: HttpRequest) -> HttpResponse:
    """Save a new card in the wallet without paying: the gateway's script makes its token."""
    if selectors.card_saving_gateway(wallet_settings.MODE) is None:
        messages.info(
            request, _("To save a card, pay with it and tick “Save this card for next time”.")
        )
        return redirect("wallet:saved-cards")
    status = 200
    if request.method == "POST":
        form = CardTokenForm(request.POST)
        if form.is_valid():
            customer = current_customer(request)
            data = form.cleaned_data
            try:
                source = services.add_payment_source_from_token(
                    customer,
                    data["payment_source_token"],
                    holder_name=data["card_holder_name"],
                    nickname=data["nickname"],
                    make_default=data["make_default"],
                    actor=services.actor_for_customer(customer),
                )
            except (ValidationError, services.WalletError) as exc:
                status = _card_form_error(form, exc)
            else:
                card = describe_source(source, today=timezone.localdate())
                messages.success(
                    request, _("%(card)s is saved in your wallet.") % {"card": card.label}
                )
                return redirect("wallet:saved-cards")
        else:
            status = 422
    else:
        form = CardTokenForm()
    stripe = gateway_services.card_saving_browser_gateway(wallet_settings.MODE)
    return render(request, "wallet/add_card.html", {"form": form, "stripe": stripe}, status=status)


def _edit_page(
    request: HttpRequest,
    source: CustomerPaymentSource,
    *,
    nickname_form: NicknameForm | None = None,
    card_form: CardTokenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page that edits one saved card: its nickname, and its expiry and holder."""
    card = describe_source(source, today=timezone.localdate())
    saving_gateway = selectors.card_saving_gateway(wallet_settings.MODE)
    can_update = saving_gateway is not None and not selectors.is_kept_by_gateway(source)
    return render(
        request,
        "wallet/edit_card.html",
        {
            "card": card,
            "nickname_form": nickname_form or NicknameForm(initial={"nickname": source.nickname}),
            "card_form": card_form or CardTokenForm(),
            "can_update": can_update,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@storefront_404
def edit_card(request: HttpRequest, card_id: str) -> HttpResponse:
    """Show a card's edit page (GET); give the card a nickname (POST)."""
    customer = current_customer(request)
    source = own_source(customer, card_id)
    if request.method == "GET":
        return _edit_page(request, source)
    form = NicknameForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, source, nickname_form=form, status=422)
    try:
        services.rename_payment_source(
            source, form.cleaned_data["nickname"], actor=services.actor_for_customer(customer)
        )
    except (ValidationError, services.WalletError) as exc:
        status = _card_form_error(form, exc)
        return _edit_page(request, source, nickname_form=form, status=status)
    card = describe_source(source, today=timezone.localdate())
    if source.nickname:
        messages.success(
            request,
            _("%(card)s is now called “%(nickname)s”.")
            % {"card": card.label, "nickname": source.nickname},
        )
    else:
        messages.success(request, _("%(card)s has no nickname now.") % {"card": card.label})
    return redirect("wallet:saved-cards")


@login_required
@require_POST
@storefront_404
def update_card(request: HttpRequest, card_id: str) -> HttpResponse:
    """Give a saved card its new expiry date and holder name (a new token for the same card)."""
    customer = current_customer(request)
    source = own_source(customer, card_id)
    form = CardTokenForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, source, card_form=form, status=422)
    try:
        services.update_payment_source_card(
            source,
            form.cleaned_data["payment_source_token"],
            holder_name=form.cleaned_data["card_holder_name"],
            actor=services.actor_for_customer(customer),
        )
    except (ValidationError, services.WalletError) as exc:
        status = _card_form_error(form, exc)
        return _edit_page(request, source, card_form=form, status=status)
    card = describe_source(source, today=timezone.localdate())
    messages.success(
        request,
        _("%(card)s is updated: it now expires %(expiry)s.")
        % {"card": card.label, "expiry": card.expiry},
    )
    return redirect("wallet:saved-cards")


@login_required
@require_POST
@storefront_404
def set_default_card(request: HttpRequest, card_id: str) -> HttpResponse:
    """Make one of the customer's cards the default one."""
    customer = current_customer(request)
    source = own_source(customer, card_id)
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
@require_POST
@storefront_404
def remove_card(request: HttpRequest, card_id: str) -> HttpResponse:
    """Remove one of the customer's cards at once; the wallet page then offers "Undo"."""
    customer = current_customer(request)
    source = own_source(customer, card_id)
    card = describe_source(source, today=timezone.localdate())
    try:
        services.remove_payment_source(source, actor=services.actor_for_customer(customer))
    except (services.WalletError, ValidationError):
        logger.warning("Removing card %s failed", card_id, exc_info=True)
        messages.error(request, _("We could not remove %(card)s.") % {"card": card.label})
        return redirect("wallet:saved-cards")
    if card.is_default:
        successor = selectors.customer_wallet(customer).filter(is_default=True).first()
        if successor is not None:
            new_default = describe_source(successor, today=timezone.localdate())
            messages.info(
                request,
                _("%(card)s is now your default card.") % {"card": new_default.label},
            )
    return redirect(f"{reverse('wallet:saved-cards')}?removed={source.pk}")


@login_required
@require_POST
@storefront_404
def restore_card(request: HttpRequest, card_id: str) -> HttpResponse:
    """Undo a removal while its undo window lasts."""
    customer = current_customer(request)
    source = selectors.removed_payment_source(customer, card_id)
    if source is None:
        messages.error(request, _("It is too late to undo: the card was removed for good."))
        return redirect("wallet:saved-cards")
    card = describe_source(source, today=timezone.localdate())
    try:
        services.restore_payment_source(source, actor=services.actor_for_customer(customer))
    except services.WalletError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(card)s is back in your wallet.") % {"card": card.label})
    return redirect("wallet:saved-cards")


# --- checkout ------------------------------------------------------------------------------


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


# What a gateway's decline code means for the shopper, and what they can do next.
DECLINE_REASONS: dict[str, Any] = {
    "insufficient_funds": gettext_lazy("The card has insufficient funds."),
    "expired_card": gettext_lazy("The card has expired."),
    "incorrect_cvc": gettext_lazy("The security code is incorrect."),
    "incorrect_number": gettext_lazy("The card number is incorrect."),
    "lost_card": gettext_lazy("The bank declined the card."),
    "stolen_card": gettext_lazy("The bank declined the card."),
    "do_not_honor": gettext_lazy("The bank declined the card."),
}


def _explain_decline(exc: "services.PaymentDeclined", form: PaymentForm) -> dict[str, str]:
    """The gateway's reason for a decline, the next step, and the field to show them under.

    A new card's decline goes under the card number field (``field``), a saved card's under
    that card's option (``card_id``).
    """
    code = str((exc.meta or {}).get("decline_code") or "")
    reason = DECLINE_REASONS.get(code) or str(exc.message or "") or _("The card was declined.")
    card_id = ""
    if form.uses_new_card:
        field = "card-number"
        next_step = _(
            "You have not been charged. Check the card details and try again, "
            "use another card, or ask your bank why the card was declined."
        )
    else:
        card_id = form.cleaned_data["payment_method"]
        field = f"pm-{card_id}"
        next_step = _(
            "You have not been charged. Choose another card or pay with a new card, "
            "or ask your bank why the card was declined."
        )
    return {"reason": str(reason), "next_step": str(next_step), "field": field, "card_id": card_id}


def _add_validation_errors(form: Form, exc: ValidationError) -> None:
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
    customer, order = own_checkout(request, order_id)
    if not order.is_payable:
        return not_payable(request, order)
    if request.method != "POST":
        return payment_visit(request, customer, order)
    wallet = _wallet_cards(customer)
    sources = {source.pk: source for source, _card in wallet}
    cards = [card for _source, card in wallet]
    payment_error = ""
    decline: dict[str, str] | None = None
    form = PaymentForm(request.POST, cards=cards)
    if form.is_valid():
        try:
            _checkout(order, form, sources, customer)
        except AuthenticationRequired:  # 3-D Secure: the customer answers the bank first
            return redirect("wallet:authenticate", order_id=order.pk)
        except services.PaymentDeclined as exc:
            decline = _explain_decline(exc, form)
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
            return not_payable(request, order)
        except services.WalletError as exc:  # any other domain refusal: nothing was charged
            logger.warning("Checkout of order %s refused", order.pk, exc_info=True)
            payment_error = str(exc.message)
            status = 409
        except ValidationError as exc:  # nothing was charged: the checkout is one transaction
            _add_validation_errors(form, exc)
            status = 422
        else:
            if form.uses_new_card and form.cleaned_data.get("save_card"):
                messages.success(request, _("Your card is saved in your wallet for next time."))
            return redirect("wallet:confirmation", order_id=order.pk)
    else:
        status = 422
    context = payment_context(
        customer, order, wallet, form, decline=decline, payment_error=payment_error
    )
    return render(request, "wallet/payment.html", context, status=status)


@login_required
@require_GET
@storefront_404
def confirmation(request: HttpRequest, order_id: str) -> HttpResponse:
    """Thank the customer: order number, amount and the card that paid."""
    customer = current_customer(request)
    order = own_order(customer, order_id)
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
