"""``clearinghouse db``: schema migrations, and the state checked against (or rebuilt
from) the log."""

from __future__ import annotations

import json

import click

from clearinghouse.cli.common import emit, json_option, operator_root
from clearinghouse.services.use_cases import log_check, replay_store, schema, state_repair
from clearinghouse.store.db import Database

__all__ = ["db"]


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


@db.command("check")
@json_option
def check(as_json: bool) -> None:
    """List every difference between the state tables and what the log implies (damaged
    rows included); exit 1 when there is any."""
    root = operator_root()
    found = log_check.check(root.db, root.registry)
    if as_json:
        for line in found:
            click.echo(json.dumps({"difference": line}))
    else:
        for line in found:
            click.echo(line)
        click.echo(
            f"{len(found)} difference(s) between the state and the log"
            if found
            else "the state is what the log implies",
            err=True,
        )
    if found:
        raise SystemExit(1)


@db.command("repair")
@json_option
def repair(as_json: bool) -> None:
    """Rewrite from the log, in place, every signal whose rows differ from what the log
    implies (damaged or lost state rows); restart the servers afterwards."""
    root = operator_root()
    repaired = state_repair.repair(root.db, root.registry, root.settings.effective_snapshot_dir)
    if as_json:
        click.echo(json.dumps({"repaired": repaired}))
    else:
        for sid in repaired:
            click.echo(f"signal {sid}: rewritten from the log")
        click.echo(f"{len(repaired)} signal(s) repaired from the log", err=True)


@db.command("replay-store")
@click.option(
    "--adopt", is_flag=True, help="Record this configuration's store (every server stopped)."
)
def replay_store_command(adopt: bool) -> None:
    """Show which replay store this database's servers share; --adopt records the one this
    configuration uses (CLEARINGHOUSE_REDIS_URL, else the data directory's or database's)."""
    root = operator_root()
    if adopt:
        replay_store.adopt(root.db, root.replay)
        click.echo(f"replay store: {root.replay.store} (adopted)")
        return
    current = replay_store.recorded(root.db)
    click.echo(f"replay store: {current or 'none recorded yet'}")
    if current is not None and current != root.replay.store:
        click.echo(f"this configuration would use {root.replay.store}", err=True)
        raise SystemExit(1)


@db.command("rebuild")
@click.option(
    "--from-log",
    "source",
    required=True,
    metavar="DATABASE_URL",
    help="The database whose log to replay (only its log entries are read).",
)
@json_option
def rebuild(source: str, as_json: bool) -> None:
    """Write the state a log implies, log included, into the configured database, which
    must be migrated and empty."""
    root = operator_root()
    source_db = Database(source)
    try:
        counts = log_check.rebuild(root.db, root.registry, root.log_key, source_db)
    finally:
        source_db.dispose()
    emit(counts, as_json)
