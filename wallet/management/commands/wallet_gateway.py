"""``manage.py wallet_gateway``: create or update a payment gateway by name and mode."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from wallet.gateway_services import configure_gateway
from wallet.management.base import OneLineErrorCommand
from wallet.models import Mode, PaymentGateway

# Command-line option (without ``--``) to gateway field.
SETTING_OPTIONS = {
    "secret-key": "secret_key",
    "publishable-key": "publishable_key",
    "webhook-secret": "webhook_secret",
    "api-base": "api_base",
    "authorize-url": "authorize_url",
    "capture-url": "capture_url",
    "void-url": "void_url",
    "refund-url": "refund_url",
    "token-url": "token_url",
    "shared-secret": "shared_secret",
}


class Command(OneLineErrorCommand):
    """Create or update the gateway ``--name`` of ``--mode`` (deploy scripts, the demo).

    ``--kind stripe`` takes ``--secret-key`` and ``--publishable-key`` of the mode
    (``sk_test_``/``pk_test_`` in test mode), optionally ``--webhook-secret`` and, in test
    mode, ``--api-base`` (a local Stripe such as localstripe). ``--kind external`` takes the
    operation URLs and ``--shared-secret``; ``--kind test`` nothing (test mode only). An
    option left out keeps the stored value. Prints the gateway's id, or with ``--json`` one
    object: ``id``, ``name``, ``kind``, ``mode``, ``created``. Secrets are never printed.
    """

    help = "Create or update a payment gateway (test, external or stripe) and print its id."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--name``, ``--kind``, ``--mode``, the gateway's settings and ``--json``."""
        parser.add_argument("--name", default="", help="The gateway's name (required).")
        parser.add_argument(
            "--kind", default="", help=f"{', '.join(PaymentGateway.Kind.values)} (required)."
        )
        parser.add_argument("--mode", default="", help="test or live (required).")
        for option, field in SETTING_OPTIONS.items():
            parser.add_argument(f"--{option}", dest=field, default=None)
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object instead of the id."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Validate the options, create or update the gateway and print its id."""
        kind, mode = options["kind"], options["mode"]
        if not options["name"].strip():
            raise CommandError("--name is required.")
        if kind not in PaymentGateway.Kind.values:
            raise CommandError(f"--kind must be one of {', '.join(PaymentGateway.Kind.values)}.")
        if mode not in Mode.values:
            raise CommandError(f"--mode must be one of {', '.join(Mode.values)}.")
        if kind == PaymentGateway.Kind.TEST and mode != Mode.TEST:
            raise CommandError("--kind test exists only in --mode test.")
        settings = {field: options[field] for field in SETTING_OPTIONS.values()}
        try:
            gateway, created = configure_gateway(
                name=options["name"], mode=mode, kind=kind, **settings
            )
        except ValidationError as exc:
            raise CommandError(_problems(exc)) from exc
        if options["json"]:
            payload = {
                "id": gateway.pk,
                "name": gateway.name,
                "kind": gateway.kind,
                "mode": gateway.mode,
                "created": created,
            }
            self.stdout.write(json.dumps(payload))
            return
        self.stdout.write(gateway.pk)


def _problems(exc: ValidationError) -> str:
    """One line naming each refused option."""
    options = {field: option for option, field in SETTING_OPTIONS.items()}
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return "; ".join(
        f"--{options.get(field, field)}: {' '.join(str(m) for m in messages)}"
        if field != "__all__"
        else " ".join(str(m) for m in messages)
        for field, messages in exc.message_dict.items()
    )
