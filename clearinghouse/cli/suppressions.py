"""``clearinghouse suppressions add|list|remove``: signals your member never wants matched.

Your own, private configuration (known false positives on your platform, say): not
shared with other members and not in the log. Your lookups mark those matches
``"suppressed": true`` (or drop them: ``"suppressed": "drop"`` in a match request).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from clearinghouse.cli.connection import apply_options, connection_options, make_client

__all__ = ["suppressions"]


def _member_options(command: Callable) -> Callable:
    json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    return apply_options(command, [*connection_options("matcher"), json_option])


@click.group()
def suppressions() -> None:
    """[server] Signals never matched for your member (private, not logged)."""


@suppressions.command("add")
@click.argument("signal_id", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="Why (e.g. a known false positive).")
@_member_options
def add(signal_id, reason, server, member, key_path, as_json) -> None:
    """Suppress SIGNAL_ID for your own lookups."""
    with make_client(server, member, key_path) as client:
        answer = client.add_suppression(signal_id, reason)
    click.echo(json.dumps(answer) if as_json else f"signal {signal_id}: {answer['status']}")


@suppressions.command("list")
@_member_options
def listing(server, member, key_path, as_json) -> None:
    """Your suppressions."""
    with make_client(server, member, key_path) as client:
        found = client.suppressions()
    for row in found:
        click.echo(json.dumps(row) if as_json else f"{row['signal_id']}\t{row['reason']}")


@suppressions.command("remove")
@click.argument("signal_id", type=click.IntRange(min=1))
@_member_options
def remove(signal_id, server, member, key_path, as_json) -> None:
    """Match SIGNAL_ID for your member again."""
    with make_client(server, member, key_path) as client:
        client.remove_suppression(signal_id)
    click.echo(json.dumps({"signal_id": signal_id, "removed": True}) if as_json else "removed")
