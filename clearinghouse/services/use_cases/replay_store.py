"""One replay store per deployment: every server process on one database must refuse a
replayed request from the same store, or a request replayed to a process of the other
kind (with Redis and without, or another data directory's replay file) is accepted again.

The first server to start on a database records which store it uses; a server that would
use another one refuses to start, with one line saying both. An operator who moves the
deployment to another store (stopping every server first) records the new one with
``clearinghouse db replay-store --adopt``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearinghouse.errors import ConfigError
from clearinghouse.store import app_state

if TYPE_CHECKING:
    from clearinghouse.services.adapters.replay import ReplayCache
    from clearinghouse.store.db import Database

__all__ = ["STATE_KEY", "adopt", "claim", "recorded"]

STATE_KEY = "replay_store"


def claim(db: Database, replay: ReplayCache) -> None:
    """Record ``replay``'s store as the deployment's, or raise ConfigError when the
    database records another one."""
    with db.write() as session:
        theirs = app_state.setdefault(session, STATE_KEY, replay.store)
    if theirs != replay.store:
        raise ConfigError(
            f"this database's servers refuse replays through {theirs}, but this process "
            f"would use {replay.store}: run every server with the same CLEARINGHOUSE_REDIS_URL "
            "(and data directory), or stop them all and run "
            "`clearinghouse db replay-store --adopt`"
        )


def recorded(db: Database) -> str | None:
    """The deployment's replay store, if a server has recorded one."""
    with db.read() as session:
        return app_state.get(session, STATE_KEY)


def adopt(db: Database, replay: ReplayCache) -> None:
    """Record ``replay``'s store as the deployment's, replacing the one recorded."""
    with db.write() as session:
        app_state.put(session, STATE_KEY, replay.store)
