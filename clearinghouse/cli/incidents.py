"""``clearinghouse incidents declare|update|conclude|list``: declared crisis incidents.

Declaring, updating and concluding are signed statements of a member with the
``coordinator`` role, each a log entry; any member may list them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from clearinghouse.cli.connection import apply_options, connection_options, make_client

__all__ = ["incidents"]


def _options(role: str | None) -> Callable[[Callable], Callable]:
    def decorate(command: Callable) -> Callable:
        json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
        return apply_options(command, [*connection_options(role), json_option])

    return decorate


@click.group()
def incidents() -> None:
    """[server] Declared incidents: their label incident:<slug>, times and status."""


def _send(action: str, slug: str, title: str, summary: str, server, member, key_path, as_json):
    with make_client(server, member, key_path) as client:
        answer = client.incident(action, slug, title=title, summary=summary)
    if as_json:
        click.echo(json.dumps(answer))
        return
    shown = answer["incident"]
    click.echo(f"{shown['incident']}\t{shown['status']}\tlog index {answer['log_index']}")


@incidents.command("declare")
@click.argument("slug")
@click.option("--title", required=True, help="What happened, in a line.")
@click.option("--summary", default="", help="What members should know and look for.")
@_options("coordinator")
def declare(slug, title, summary, server, member, key_path, as_json) -> None:
    """Declare SLUG; its label incident:SLUG can be given to submissions from now on."""
    _send("declare", slug, title, summary, server, member, key_path, as_json)


@incidents.command("update")
@click.argument("slug")
@click.option("--title", default="", help="A new title (default: keep).")
@click.option("--summary", default="", help="A new summary (default: keep).")
@_options("coordinator")
def update(slug, title, summary, server, member, key_path, as_json) -> None:
    """Change the title or summary of an active incident."""
    _send("update", slug, title, summary, server, member, key_path, as_json)


@incidents.command("conclude")
@click.argument("slug")
@_options("coordinator")
def conclude(slug, server, member, key_path, as_json) -> None:
    """End an incident: lookups stop naming it (its label stays in the taxonomy)."""
    _send("conclude", slug, "", "", server, member, key_path, as_json)


@incidents.command("list")
@_options(None)
def listing(server, member, key_path, as_json) -> None:
    """Every incident, the latest declared first."""
    with make_client(server, member, key_path) as client:
        found = client.incidents()
    for incident in found:
        if as_json:
            click.echo(json.dumps(incident))
        else:
            ended = f"\tconcluded {incident['concluded']}" if incident["concluded"] else ""
            click.echo(
                f"{incident['incident']}\t{incident['status']}\tdeclared {incident['declared']}"
                f"{ended}\t{incident['title']}"
            )
