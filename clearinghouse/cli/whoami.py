"""``clearinghouse whoami``: the member, roles and key id as the server sees them."""

from __future__ import annotations

import json

import click

from clearinghouse.cli.connection import apply_options, connection_options, identity, make_client

__all__ = ["whoami"]


def _whoami(server: str, member: str, key_path: str, as_json: bool) -> None:
    """[server] Show who the server takes you for: member id, roles and key id."""
    with make_client(server, member, key_path, check=False) as client:
        me = identity(client)
    answer = {"server": client.server, **me}
    if as_json:
        click.echo(json.dumps(answer))
        return
    click.echo(f"member: {me.get('member')}")
    click.echo(f"roles: {','.join(me.get('roles') or []) or '(none)'}")
    click.echo(f"key_id: {me.get('key_id')}")
    click.echo(f"server: {client.server}")


whoami = click.command("whoami")(
    apply_options(
        click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")(_whoami),
        connection_options(),
    )
)
