"""``clearinghouse site login``: sign a browser in to the transparency site."""

from __future__ import annotations

import json

import click

from clearinghouse.cli.connection import apply_options, connection_options
from clearinghouse.errors import InvalidInput

__all__ = ["site"]


@click.group()
def site() -> None:
    """The transparency site."""


def _login(server: str, member: str, key_path: str, as_json: bool) -> None:
    """Print a one-time URL that signs a browser in (read-only, for one hour)."""
    from clearinghouse.cli.connection import make_client

    with make_client(server, member, key_path) as client:
        link = client.site_login()
    if link.get("member") != member:
        raise InvalidInput(f"{key_path} is a key of member {link.get('member')!r}, not {member!r}")
    if as_json:
        click.echo(json.dumps(link))
        return
    click.echo(link["url"])
    click.echo(
        f"Open it within {link['expires_in'] // 60} minutes; it works once and signs this "
        "browser in for an hour. Hash values are shown to auditors and matchers.",
        err=True,
    )


login = click.command("login")(
    apply_options(
        click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")(_login),
        connection_options(),
    )
)
site.add_command(login)
