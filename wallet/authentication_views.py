"""Storefront pages around a gateway's browser side: 3-D Secure challenges and Stripe.js.

- ``authenticate``: the page an order comes to when its card needs 3-D Secure. With Stripe,
  Stripe.js runs the bank's challenge and the page then places the order again; with the test
  gateway, the page itself is the challenge (approve or fail), so the demo shows the step.
- ``stripe_setup_intent``: a SetupIntent's client secret, with which Stripe.js makes a new
  card's PaymentMethod where it cannot make one directly;
- ``wallet_setup_intent``: the same for the wallet's "Add card" with Stripe, the SetupIntent
  belonging to the customer's Stripe Customer.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wallet import gateway_services, services
from wallet.exceptions import AuthenticationRequired
from wallet.models import Order
from wallet.storefront_access import current_customer, not_payable, own_order, storefront_404

logger = logging.getLogger(__name__)

# What the test gateway's challenge page may report; Stripe's outcome comes from Stripe.
OUTCOMES = ("approved", "failed")


def _challenge_page(
    request: HttpRequest, order: Order, challenge: dict, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "wallet/authenticate.html",
        {
            "order": order,
            "challenge": challenge,
            "stripe": gateway_services.browser_gateway(order),
            "error": error,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@storefront_404
def authenticate(request: HttpRequest, order_id: str) -> HttpResponse:
    """Show the order's pending 3-D Secure challenge (GET); place the order once answered (POST).

    Without a pending challenge the customer goes back to paying (or to the confirmation of
    a paid order). A failed authentication returns to the payment page with the reason.
    """
    customer = current_customer(request)
    order = own_order(customer, order_id)
    if not order.is_payable:
        return not_payable(request, order)
    try:
        challenge = gateway_services.authentication_challenge(order)
    except services.GatewayDown:
        logger.warning("Gateway down while showing order %s's challenge", order.pk)
        challenge = None
    if challenge is None:
        return redirect("wallet:payment", order_id=order.pk)
    if request.method == "GET":
        return _challenge_page(request, order, challenge)
    outcome = request.POST.get("outcome", "")
    try:
        services.place_order(
            order,
            authentication_outcome=outcome if outcome in OUTCOMES else "",
            actor=services.actor_for_customer(customer),
        )
    except AuthenticationRequired:
        message = _("Your bank has not confirmed the payment yet. Please complete the check.")
        return _challenge_page(request, order, challenge, error=message, status=409)
    except services.PaymentDeclined as exc:
        messages.error(
            request,
            _("Your bank did not confirm the payment, and you have not been charged. %(reason)s")
            % {"reason": exc.message},
        )
        return redirect("wallet:payment", order_id=order.pk)
    except services.OrderNotPayable:
        order.refresh_from_db()
        return not_payable(request, order)
    except services.WalletError as exc:  # the gateway is down, or another refusal
        message = (
            _("We could not reach the payment service. Please try again in a moment.")
            if isinstance(exc, services.GatewayDown)
            else str(exc.message)
        )
        return _challenge_page(request, order, challenge, error=message, status=503)
    return redirect("wallet:confirmation", order_id=order.pk)


@login_required
@require_POST
@storefront_404
def stripe_setup_intent(request: HttpRequest, order_id: str) -> JsonResponse:
    """A SetupIntent's client secret for a new card on one of the customer's Stripe orders."""
    customer = current_customer(request)
    order = own_order(customer, order_id)
    try:
        secret = gateway_services.setup_intent_secret(order)
    except ValidationError:
        return JsonResponse({"error": "not_available"}, status=409)
    except services.GatewayDown:
        return JsonResponse({"error": "unavailable"}, status=503)
    return JsonResponse({"client_secret": secret})


@login_required
@require_POST
def wallet_setup_intent(request: HttpRequest) -> JsonResponse:
    """A SetupIntent's client secret for adding a card to the customer's wallet with Stripe."""
    customer = current_customer(request)
    try:
        secret = gateway_services.wallet_setup_intent_secret(customer)
    except ValidationError:
        return JsonResponse({"error": "not_available"}, status=409)
    except services.GatewayDown:
        return JsonResponse({"error": "unavailable"}, status=503)
    return JsonResponse({"client_secret": secret})
