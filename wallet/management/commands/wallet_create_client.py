"""``manage.py wallet_create_client``: create an API credential and print its secret once."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from wallet.management.base import OneLineErrorCommand
from wallet.models import ApiCredential, Mode
from wallet.oauth import create_credential


class Command(OneLineErrorCommand):
    """Create an integration or sales-channel credential in test or live mode.

    Prints the client id and the client secret; the secret is stored hashed and cannot be
    shown again. A sales channel is public (its client id alone gets tokens) unless
    ``--confidential`` is given; an integration is always confidential. ``--json`` prints one
    JSON object: ``client_id``, ``client_secret``, ``kind``,
    ``mode``. Bad options exit non-zero with one line on stderr.
    """

    help = "Create an API credential (OAuth2 client) and print its client id and secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--name``, ``--kind``, ``--mode``, ``--confidential`` and ``--json``."""
        parser.add_argument("--name", default="", help="A name for the credential.")
        parser.add_argument("--kind", default="", help="integration or sales_channel (required).")
        parser.add_argument("--mode", default="", help="test or live (required).")
        parser.add_argument(
            "--confidential",
            action="store_true",
            help="Sales channels: require the client secret (integrations always do).",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object instead of text."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Validate the options, create the credential and print it."""
        kind, mode = options["kind"], options["mode"]
        if not options["name"].strip():
            raise CommandError("--name is required.")
        if kind not in ApiCredential.Kind.values:
            raise CommandError(f"--kind must be one of {', '.join(ApiCredential.Kind.values)}.")
        if mode not in Mode.values:
            raise CommandError(f"--mode must be one of {', '.join(Mode.values)}.")
        try:
            credential, secret = create_credential(
                name=options["name"],
                kind=kind,
                mode=mode,
                confidential=True if options["confidential"] else None,
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"--{field}: {' '.join(str(m) for m in messages)}"
                for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from exc
        client_id = credential.application.client_id
        if options["json"]:
            payload = {"client_id": client_id, "client_secret": secret, "kind": kind, "mode": mode}
            self.stdout.write(json.dumps(payload))
            return
        self.stdout.write(
            f"Created {credential.get_kind_display().lower()} credential "
            f'"{credential.application.name}" in {mode} mode.'
        )
        self.stdout.write(f"client_id:     {client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write("Store the secret now: it is stored hashed and will not be shown again.")
