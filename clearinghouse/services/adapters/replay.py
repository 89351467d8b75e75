"""Replay refusal shared by all processes of a server: Redis when configured; otherwise a
memory-mapped table in the data directory with the embedded database (no write per
request), or the database table with PostgreSQL (whose servers may run on several hosts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from clearinghouse.services.adapters.replay_table import ReplayTable
from clearinghouse.services.adapters.shared_cache import redis_for, redis_guard
from clearinghouse.store.replay import remember_signature

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = [
    "ReplayCache",
    "database_replay_cache",
    "redis_location",
    "redis_replay_cache",
    "table_replay_cache",
]


@dataclass(frozen=True)
class ReplayCache:
    """Remembers signatures until they expire; ``first_use`` is False for a replay.
    ``store`` says where, the same for every process that shares it (no credentials)."""

    remember: Callable[[str, int, int], bool]
    store: str = "unnamed"

    def first_use(self, replay_key: str, valid_until: int, now: int) -> bool:
        """True the first time a signature is seen inside its window, False for a replay."""
        return self.remember(replay_key, valid_until, now)


def database_replay_cache(db: Database) -> ReplayCache:
    """Signatures remembered in the database's replay table."""
    return ReplayCache(
        lambda key, valid_until, now: remember_signature(db, key, valid_until, now),
        "the database's replay table",
    )


def table_replay_cache(path: Path, slots: int) -> ReplayCache:
    """Signatures remembered in a memory-mapped file shared by every process on the host
    (see replay_table for why that is correct under fork). The file opens on first use."""
    return ReplayCache(
        ReplayTable(path, slots).first_use, f"the replay file {Path(path).resolve()}"
    )


def redis_replay_cache(url: str) -> ReplayCache:
    """Signatures remembered in Redis, each key expiring with its signature's window.
    The client connects on first use, not here."""
    client = redis_for(url)

    def remember(key: str, valid_until: int, now: int) -> bool:
        ttl = max(1, valid_until - now + 1)
        with redis_guard():
            return bool(client.set(f"ch:replay:{key}", 1, nx=True, ex=ttl))

    return ReplayCache(remember, f"Redis at {redis_location(url)}")


def redis_location(url: str) -> str:
    """``host:port/db`` of a Redis URL: which Redis it is, without its credentials."""
    parts = urlsplit(url)
    database = parts.path.strip("/") or "0"
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}/{database}"
