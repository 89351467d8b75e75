"""Options of the commands that talk to a server as a member (DESIGN §7), and the client.

``--server``, ``--member`` and ``--key`` given on the command line win; then the profile
of ``--profile`` (``client/profiles.py``); then the ``CLEARINGHOUSE_*`` variables; then
the ``default`` profile. The URL and the key file are checked before any request, and
the key is proved to be one of ``--member``'s (``GET /v1/members/me``), so a key of
another member is never used silently in its name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

from clearinghouse.cli.server_errors import WrongServer, explain_unreachable, not_a_clearinghouse
from clearinghouse.client import Client, NotFoundProblem, ProblemError, TransportError
from clearinghouse.client.api import PASSPHRASE_ENV, key_file_warning, load_signing_key
from clearinghouse.client.profiles import PROFILE_ENV, load_profile, profiles_path
from clearinghouse.errors import InvalidInput, VerificationError

__all__ = [
    "apply_options",
    "check_server_url",
    "connection_options",
    "identity",
    "load_member_key",
    "make_client",
]

_CHOSEN = "clearinghouse.profile"  # ctx.meta: the profile --profile named
_DEFAULT = "clearinghouse.default_profile"  # ctx.meta: the default profile, once read
_ENV = {"server": "CLEARINGHOUSE_URL", "member": "CLEARINGHOUSE_MEMBER", "key": "CLEARINGHOUSE_KEY"}


def _choose_profile(ctx: click.Context, param: click.Parameter, name: str | None) -> None:
    ctx.meta[_CHOSEN] = load_profile(name) if name else None


def _resolved(field: str, flag: str) -> Callable:
    """The option's callback: command line, --profile, environment, default profile."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
        if ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
            return value
        chosen = ctx.meta.get(_CHOSEN)
        if chosen is not None and getattr(chosen, field):
            return getattr(chosen, field)
        if value:
            return value
        if _DEFAULT not in ctx.meta:
            ctx.meta[_DEFAULT] = load_profile(None)
        default = ctx.meta[_DEFAULT]
        if default is not None and getattr(default, field):
            return getattr(default, field)
        raise click.UsageError(
            f"Missing option '{flag}': give it, set {_ENV[field]}, or name a profile "
            f"with --profile ({profiles_path()})"
        )

    return callback


def connection_options(role: str | None = None) -> list[Callable]:
    """--profile, --server, --member and --key (see the module docstring)."""
    member_help = "Your member id" + (f", with the {role} role" if role else "")
    return [
        click.option(
            "--profile",
            envvar=PROFILE_ENV,
            is_eager=True,
            expose_value=False,
            callback=_choose_profile,
            metavar="NAME",
            help=f"A profile of the profiles file [env {PROFILE_ENV}].",
        ),
        click.option(
            "--server",
            envvar="CLEARINGHOUSE_URL",
            callback=_resolved("server", "--server"),
            metavar="URL",
            help="Server base URL, e.g. http://127.0.0.1:8080 [env CLEARINGHOUSE_URL].",
        ),
        click.option(
            "--member",
            envvar="CLEARINGHOUSE_MEMBER",
            callback=_resolved("member", "--member"),
            metavar="ID",
            help=f"{member_help}; the key must be one of its keys [env CLEARINGHOUSE_MEMBER].",
        ),
        click.option(
            "--key",
            "key_path",
            envvar="CLEARINGHOUSE_KEY",
            callback=_resolved("key", "--key"),
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Your private key, PKCS#8 PEM, encrypted or not [env CLEARINGHOUSE_KEY; "
            f"passphrase from {PASSPHRASE_ENV} or a prompt].",
        ),
    ]


def apply_options(command: Callable, options: list[Callable]) -> Callable:
    """Decorate ``command`` with ``options``, shown in the order given."""
    for option in reversed(options):
        command = option(command)
    return command


def check_server_url(server: str) -> str:
    """``server`` if it is an http(s) URL with a host; else one actionable WrongServer."""
    parts = urlsplit(server)
    if parts.scheme in ("http", "https") and parts.hostname:
        try:
            parts.port  # noqa: B018 — raises on a port that is not a number
        except ValueError:
            raise WrongServer(f"--server: {server!r} has a port that is not a number") from None
        return server
    hint = f"; did you mean http://{server}?" if "://" not in server else ""
    raise WrongServer(f"--server: {server!r} is not an http(s) URL{hint}")


def _ask_passphrase(path: str) -> str:
    if not sys.stdin.isatty():
        raise InvalidInput(
            f"the member key {path} is encrypted: set {PASSPHRASE_ENV} (no terminal to ask on)"
        )
    return click.prompt(f"Passphrase for {path}", hide_input=True, err=True)


def load_member_key(key_path: str):
    """The key of ``--key``: warned about when others can read it, decrypted when it
    is encrypted (CLEARINGHOUSE_KEY_PASSPHRASE, else a prompt on the terminal)."""
    warning = key_file_warning(key_path)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    passphrase = os.environ.get(PASSPHRASE_ENV) or _ask_passphrase
    return load_signing_key(key_path, passphrase)


def make_client(server: str, member: str, key_path: str, *, check: bool = True) -> Client:
    """The SDK client for one command; raises one-line errors for a bad URL or key file,
    an unreachable server, and a key that is not one of ``member``'s."""
    client = Client(check_server_url(server), member, load_member_key(key_path))
    if check:
        try:
            identity(client)
        except BaseException:
            client.close()
            raise
    return client


def identity(client: Client) -> dict:
    """``{"member", "key_id", "roles"}`` as the server sees the client's key, checked to be
    ``--member``'s; a URL that leads to no clearinghouse is one WrongServer line."""
    server = client.server
    try:
        return client.check_member()
    except TransportError as exc:
        raise explain_unreachable(exc, server) from None
    except NotFoundProblem:
        raise not_a_clearinghouse(server, "GET /v1/members/me is 404") from None
    except ProblemError as exc:
        if exc.type_uri == "about:blank":  # not problem+json: not our server answering
            raise not_a_clearinghouse(server, f"it answered HTTP {exc.status}") from None
        raise
    except VerificationError as exc:
        raise not_a_clearinghouse(server, exc.detail) from None
