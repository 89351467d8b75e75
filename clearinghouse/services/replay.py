"""Replay refusal shared by all processes: the database by default, Redis when configured."""

from __future__ import annotations

import functools

from clearinghouse.services.context import ServiceContext
from clearinghouse.store.replay import remember_signature

__all__ = ["first_use"]


def first_use(ctx: ServiceContext, replay_key: str, valid_until: int, now: int) -> bool:
    """True the first time a signature is seen inside its window, False for a replay."""
    if ctx.settings.redis_url:
        ttl = max(1, valid_until - now + 1)
        return bool(
            _redis(ctx.settings.redis_url).set(f"ch:replay:{replay_key}", 1, nx=True, ex=ttl)
        )
    return remember_signature(ctx.db, replay_key, valid_until, now)


@functools.lru_cache(maxsize=4)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
