"""Options of the commands that talk to a server as a member (DESIGN §7), and the client.

The server URL and the key file are checked here, before any request, so a missing
scheme or an unreadable key is one line naming the option rather than a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import click

from clearinghouse.client import Client
from clearinghouse.errors import InvalidInput

__all__ = ["apply_options", "check_server_url", "connection_options", "make_client"]


def connection_options(role: str | None = None) -> list[Callable]:
    """--server, --member and --key, each also read from its CLEARINGHOUSE_* variable."""
    member_help = "Your member id" + (f", with the {role} role" if role else "")
    return [
        click.option(
            "--server",
            envvar="CLEARINGHOUSE_URL",
            required=True,
            metavar="URL",
            help="Server base URL, e.g. http://127.0.0.1:8080 [env CLEARINGHOUSE_URL].",
        ),
        click.option(
            "--member",
            envvar="CLEARINGHOUSE_MEMBER",
            required=True,
            metavar="ID",
            help=f"{member_help}; the key must be one of its keys [env CLEARINGHOUSE_MEMBER].",
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


def check_server_url(server: str) -> str:
    """``server`` if it is an http(s) URL with a host; else one actionable InvalidInput."""
    parts = urlsplit(server)
    if parts.scheme in ("http", "https") and parts.hostname:
        try:
            parts.port  # noqa: B018 — raises on a port that is not a number
        except ValueError:
            raise InvalidInput(f"--server: {server!r} has a port that is not a number") from None
        return server
    hint = f"; did you mean http://{server}?" if "://" not in server else ""
    raise InvalidInput(f"--server: {server!r} is not an http(s) URL{hint}")


def make_client(server: str, member: str, key_path: str) -> Client:
    """The SDK client for one command; raises one-line errors for a bad URL or key file."""
    return Client(check_server_url(server), member, key_path)
