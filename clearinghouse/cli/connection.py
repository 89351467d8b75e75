"""Options of the commands that talk to a server as a member (DESIGN §7)."""

from __future__ import annotations

from collections.abc import Callable

import click

__all__ = ["apply_options", "connection_options"]


def connection_options(role: str | None = None) -> list[Callable]:
    """--server, --member and --key, each also read from its CLEARINGHOUSE_* variable."""
    member_help = "Your member id" + (f", with the {role} role" if role else "")
    return [
        click.option(
            "--server",
            envvar="CLEARINGHOUSE_URL",
            required=True,
            metavar="URL",
            help="Server base URL [env CLEARINGHOUSE_URL].",
        ),
        click.option(
            "--member",
            envvar="CLEARINGHOUSE_MEMBER",
            required=True,
            metavar="ID",
            help=f"{member_help} [env CLEARINGHOUSE_MEMBER].",
        ),
        click.option(
            "--key",
            "key_path",
            envvar="CLEARINGHOUSE_KEY",
            required=True,
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Your private key, PKCS#8 PEM [env CLEARINGHOUSE_KEY].",
        ),
    ]


def apply_options(command: Callable, options: list[Callable]) -> Callable:
    """Decorate ``command`` with ``options``, shown in the order given."""
    for option in reversed(options):
        command = option(command)
    return command
