"""``clearinghouse db``: schema migrations."""

from __future__ import annotations

import click

from clearinghouse.cli.common import operator_root
from clearinghouse.services import schema


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Apply the Alembic migrations up to REVISION."""
    root = operator_root(migrated=False)
    applied = schema.upgrade(root.settings, root.db, revision)
    click.echo(f"database at revision {applied}", err=True)
