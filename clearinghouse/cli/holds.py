"""``clearinghouse holds list|hold|release``: the operator's side of held signals.

A held signal still matches, marked ``"held": true``, and leaves the feeds and pushes
that keep only confirmed signals until it is released. Each hold and release is a log
entry.
"""

from __future__ import annotations

import json

import click

from clearinghouse.cli.common import emit, json_option, operator_root
from clearinghouse.services.use_cases import holds as hold_service

__all__ = ["holds"]

_REASON = click.option("--reason", required=True, help="Why (kept in the log).")


@click.group()
def holds() -> None:
    """Held signals: list, hold, release (logged)."""


@holds.command("list")
@json_option
def list_(as_json: bool) -> None:
    """The signals held now, one per line."""
    for row in hold_service.listing(operator_root().db):
        if as_json:
            click.echo(json.dumps(row))
        else:
            click.echo(f"{row['signal_id']}\t{row['by']}\t{row['time']}\t{row['reason']}")


@holds.command("hold")
@click.argument("signal_id", type=click.IntRange(min=1))
@_REASON
@json_option
def hold(signal_id: int, reason: str, as_json: bool) -> None:
    """Hold SIGNAL_ID now."""
    emit(hold_service.hold_signal(operator_root().db, signal_id, reason), as_json)


@holds.command("release")
@click.argument("signal_id", type=click.IntRange(min=1))
@_REASON
@json_option
def release(signal_id: int, reason: str, as_json: bool) -> None:
    """Release SIGNAL_ID: it goes back to every feed and push."""
    emit(hold_service.release_signal(operator_root().db, signal_id, reason), as_json)
