"""What the commands share: settings, the composition root and printing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from clearinghouse.config import load_settings

if TYPE_CHECKING:
    from clearinghouse.bootstrap import Root

__all__ = ["emit", "json_option", "operator_root"]

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def operator_root(*, migrated: bool = True) -> Root:
    """The process's root over the configured database, for operator commands; its
    connections are closed when the command ends. With ``migrated`` (all but ``db
    upgrade``), a missing or unmigrated database is refused first, naming it."""
    # Imported here: the member commands share this module and run on the base install.
    from clearinghouse.bootstrap import bootstrap
    from clearinghouse.services.use_cases import schema

    settings = load_settings()
    if migrated:
        schema.require_current(settings)
    root = bootstrap(settings)
    click.get_current_context().call_on_close(root.close)
    return root


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    """Print ``data`` as one JSON line, or ``text`` (default: a readable rendering)."""
    if as_json:
        click.echo(json.dumps(data, sort_keys=False))
    elif text is not None:
        click.echo(text)
    elif isinstance(data, dict):
        for key, value in data.items():
            click.echo(f"{key}: {value}")
    else:
        click.echo(str(data))
