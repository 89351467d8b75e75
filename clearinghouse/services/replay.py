"""Replay refusal shared by all processes: the database by default, Redis when configured."""

from __future__ import annotations

from clearinghouse.services.context import ServiceContext
from clearinghouse.services.shared_cache import redis_for, redis_guard
from clearinghouse.store.replay import remember_signature

__all__ = ["first_use"]


def first_use(ctx: ServiceContext, replay_key: str, valid_until: int, now: int) -> bool:
    """True the first time a signature is seen inside its window, False for a replay."""
    if ctx.settings.redis_url:
        ttl = max(1, valid_until - now + 1)
        with redis_guard():
            client = redis_for(ctx.settings.redis_url)
            return bool(client.set(f"ch:replay:{replay_key}", 1, nx=True, ex=ttl))
    return remember_signature(ctx.db, replay_key, valid_until, now)
