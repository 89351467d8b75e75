"""The Redis shared by all server processes (replay cache, rate limits), when configured.

One client per URL and process, with short timeouts, and one place that turns a Redis
that cannot be reached into ``ServiceUnavailable`` (a 503 with a generic detail): the
cause is logged for the operator, never shown to the caller.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from clearinghouse.errors import ServiceUnavailable

__all__ = ["redis_for", "redis_guard"]


@functools.lru_cache(maxsize=4)
def redis_for(url: str):
    """The client of the Redis at ``url`` (connections are made on first use)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@contextmanager
def redis_guard() -> Iterator[None]:
    """Map any Redis failure inside the block to ServiceUnavailable."""
    import redis

    try:
        yield
    except redis.RedisError as exc:
        raise ServiceUnavailable(
            "a shared service is unavailable; retry shortly", cause=f"redis: {exc}"
        ) from None
