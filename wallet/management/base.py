"""What the wallet's management commands share."""

import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser


class OneLineErrorCommand(BaseCommand):
    """A command that reports a bad option in one line and a non-zero exit, not the usage text."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """The parser, reporting a bad option in one line instead of the usage text."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> NoReturn:
            if getattr(parser, "called_from_command_line", False):
                sys.stderr.write(f"{subcommand}: error: {message}\n")
                sys.exit(2)
            raise CommandError(message)

        # argparse reports every bad option through ``self.error``; mypy forbids assigning to a
        # method, but this parser is built by Django, so it cannot be a subclass of ours.
        parser.error = error  # type: ignore[method-assign]
        return parser
