"""Gateway webhooks: ``POST /wallet/webhooks/stripe/<gateway id>/`` receives Stripe's events.

Point a Stripe webhook endpoint at this URL (one per gateway) and store its signing secret
(``whsec_…``) on the gateway. The view only translates HTTP: the signature check and every
change are :func:`wallet.gateway_services.handle_stripe_webhook`'s.
"""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wallet import services
from wallet.gateway_services import WebhookRefused, handle_stripe_webhook
from wallet.models import PaymentGateway

logger = logging.getLogger("wallet.webhooks")

# A Stripe event is a few kilobytes; anything far larger is not one.
MAX_BODY_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest, gateway_id: str) -> JsonResponse:
    """Verify and apply one Stripe event for the gateway ``gateway_id``.

    200 with the outcome (``handled``, ``duplicate``, ``ignored``, ``refused``); 400 for a bad
    signature or body (nothing changes); 404 for an unknown gateway or one without a webhook
    secret; 413 for an oversized body; 503 when Stripe or the database is out of reach, so
    Stripe retries.
    """
    gateway = PaymentGateway.objects.filter(pk=gateway_id, kind=PaymentGateway.Kind.STRIPE).first()
    if gateway is None or not gateway.webhook_secret:
        return JsonResponse({"error": "unknown webhook endpoint"}, status=404)
    length = request.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        return JsonResponse({"error": "body too large"}, status=413)
    try:
        outcome = handle_stripe_webhook(
            gateway, request.body, request.headers.get("Stripe-Signature", "")
        )
    except WebhookRefused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except services.GatewayDown:
        logger.warning("Stripe webhook for gateway %s: Stripe out of reach", gateway.pk)
        return JsonResponse({"error": "payment service unavailable"}, status=503)
    return JsonResponse({"received": True, "outcome": outcome})
