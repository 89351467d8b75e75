"""``clearinghouse subscriptions add|list|remove``: a member's webhook endpoints."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from clearinghouse.cli.connection import apply_options, connection_options, make_client

__all__ = ["subscriptions"]


def _member_options(command: Callable) -> Callable:
    json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    return apply_options(command, [*connection_options("matcher"), json_option])


@click.group()
def subscriptions() -> None:
    """[server] Webhooks: every change you may see, POSTed to your endpoint (signed)."""


@subscriptions.command("add")
@click.argument("url")
@click.option("--type", "types", multiple=True, metavar="T", help="Only this signal type.")
@click.option("--label", "labels", multiple=True, metavar="L", help="Only this label (family:*).")
@click.option("--incident", "incidents", multiple=True, metavar="SLUG", help="Only this incident.")
@click.option("--only-confirmed", is_flag=True, help="Only confirmed signals.")
@_member_options
def add(url, types, labels, incidents, only_confirmed, server, member, key_path, as_json) -> None:
    """Register URL; prints the endpoint's secret (whsec_…) once — keep it."""
    filters = {
        "signal_types": list(types),
        "labels": list(labels),
        "incidents": list(incidents),
        "only_confirmed": only_confirmed,
    }
    with make_client(server, member, key_path) as client:
        answer = client.add_subscription(url, filters)
    if as_json:
        click.echo(json.dumps(answer))
    else:
        click.echo(f"{answer['id']}\t{answer['url']}")
        click.echo(f"secret (shown once): {answer['secret']}")


@subscriptions.command("list")
@_member_options
def listing(server: str, member: str, key_path: str, as_json: bool) -> None:
    """Your subscriptions, their status and why a paused one stopped."""
    with make_client(server, member, key_path) as client:
        found = client.subscriptions()
    for subscription in found:
        if as_json:
            click.echo(json.dumps(subscription))
            continue
        line = f"{subscription['id']}\t{subscription['status']}\t{subscription['url']}"
        if subscription.get("paused_reason"):
            line += f"\t{subscription['paused_reason']}"
        click.echo(line)


@subscriptions.command("remove")
@click.argument("subscription_id", metavar="ID")
@_member_options
def remove(subscription_id: str, server: str, member: str, key_path: str, as_json: bool) -> None:
    """Delete one of your subscriptions."""
    with make_client(server, member, key_path) as client:
        client.remove_subscription(subscription_id)
    click.echo(
        json.dumps({"removed": subscription_id}) if as_json else f"removed {subscription_id}"
    )
