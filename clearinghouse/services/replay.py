"""Replay refusal shared by all processes of a server: Redis when configured; otherwise a
memory-mapped table in the data directory with the embedded database (no write per
request), or the database table with PostgreSQL (whose servers may run on several hosts).
"""

from __future__ import annotations

import functools
from pathlib import Path

from clearinghouse.services.context import ServiceContext
from clearinghouse.services.replay_table import ReplayTable
from clearinghouse.store.replay import remember_signature

__all__ = ["first_use"]

TABLE_FILE = "replay.table"


def first_use(ctx: ServiceContext, replay_key: str, valid_until: int, now: int) -> bool:
    """True the first time a signature is seen inside its window, False for a replay."""
    settings = ctx.settings
    if settings.redis_url:
        ttl = max(1, valid_until - now + 1)
        return bool(_redis(settings.redis_url).set(f"ch:replay:{replay_key}", 1, nx=True, ex=ttl))
    if settings.is_sqlite:
        table = _table(settings.data_dir / TABLE_FILE, settings.replay_cache_slots)
        return table.first_use(replay_key, valid_until, now)
    return remember_signature(ctx.db, replay_key, valid_until, now)


@functools.lru_cache(maxsize=8)
def _table(path: Path, slots: int) -> ReplayTable:
    return ReplayTable(path.resolve(), slots)


@functools.lru_cache(maxsize=4)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
