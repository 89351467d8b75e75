"""Rate limits per member and per class of endpoint (DESIGN §11).

Each member has a quota of requests per window for each class — ``lookups`` (matching,
where a batch counts each of its queries, and the signal feed), ``statements``
(anything that writes: submissions, retractions, feedback, keys) and ``log`` (entries
and proofs). Windows
are fixed and aligned on the clock (``now // window``), so every process agrees on where
one ends. The counts live in Redis when ``CLEARINGHOUSE_REDIS_URL`` is set — shared by
every process and server — and in each process's memory otherwise, where a member may
get the quota once per process.

Over the quota, ``RateLimited`` (429) carries ``Retry-After`` and the IETF
httpapi-ratelimit-headers fields: ``RateLimit-Policy: "lookups";q=6000;w=60`` and
``RateLimit: "lookups";r=0;t=17``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clearinghouse.errors import RateLimited
from clearinghouse.services.adapters.shared_cache import redis_for, redis_guard

if TYPE_CHECKING:
    from clearinghouse.config import Settings

__all__ = ["CLASSES", "Decision", "RateLimiter", "endpoint_class"]

CLASSES = ("lookups", "statements", "log")


def endpoint_class(method: str, path: str) -> str:
    """The class of a signed request: log reads, lookups (a batch too), or writes."""
    if path.startswith("/v1/log/"):
        return "log"
    if path == "/v1/match" or method in ("GET", "HEAD"):
        return "lookups"
    return "statements"


@dataclass(frozen=True)
class Decision:
    """One counted request: the quota, what is left of it and when the window ends."""

    name: str
    quota: int
    window: int
    remaining: int
    reset: int

    @property
    def allowed(self) -> bool:
        return self.remaining >= 0

    def headers(self) -> dict[str, str]:
        """RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers)."""
        return {
            "RateLimit-Policy": f'"{self.name}";q={self.quota};w={self.window}',
            "RateLimit": f'"{self.name}";r={max(0, self.remaining)};t={self.reset}',
        }


class RateLimiter:
    """Counts requests per (class, member, window) in Redis or in this process."""

    def __init__(
        self,
        quotas: dict[str, int],
        window: int,
        *,
        redis_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.quotas = quotas
        self.window = window
        self._redis_url = redis_url
        self._clock = clock
        self._counts: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        quotas = {
            "lookups": settings.rate_limit_lookups,
            "statements": settings.rate_limit_statements,
            "log": settings.rate_limit_log,
        }
        return cls(quotas, settings.rate_limit_window, redis_url=settings.redis_url)

    def hit(self, name: str, member: str, cost: int = 1) -> Decision:
        """Count ``cost`` requests (a batch's queries) of ``member`` in class ``name``;
        raise RateLimited when that goes over the quota."""
        now = int(self._clock())
        slot = now // self.window
        reset = (slot + 1) * self.window - now
        count = self._count_redis(name, member, slot, cost) if self._redis_url else None
        if count is None:
            count = self._count_here(name, member, slot, cost)
        quota = self.quotas[name]
        decision = Decision(name, quota, self.window, quota - count, reset)
        if not decision.allowed:
            raise RateLimited(
                f"more than {quota} {name} requests in {self.window} s; retry in {reset} s",
                retry_after=reset,
                headers=decision.headers(),
            )
        return decision

    def _count_redis(self, name: str, member: str, slot: int, cost: int) -> int:
        key = f"ch:rate:{name}:{member}:{slot}"
        with redis_guard():
            pipe = redis_for(self._redis_url).pipeline(transaction=True)
            pipe.incrby(key, cost)
            pipe.expire(key, self.window + 1)
            count, _ = pipe.execute()
        return int(count)

    def _count_here(self, name: str, member: str, slot: int, cost: int) -> int:
        with self._lock:
            if len(self._counts) > 100_000:  # forget past windows now and then
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= slot}
            key = (name, member, slot)
            self._counts[key] = self._counts.get(key, 0) + cost
            return self._counts[key]
