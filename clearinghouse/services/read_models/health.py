"""Readiness checks: what must hold before the service takes traffic.

Cheap enough to be polled every second: one query for the database's schema revision,
one ``PING`` for Redis when configured; the migrations' head revision is read from the
scripts once per process. Nothing here counts usage, since ``/readyz`` is public.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from clearinghouse.errors import ClearinghouseError
from clearinghouse.services.adapters.shared_cache import redis_for, redis_guard
from clearinghouse.store.db import Database
from clearinghouse.store.migrate import current_revision, head_revision

__all__ = ["head_revision_of", "readiness"]


def readiness(
    db: Database, redis_url: str | None, more: Callable[[], dict[str, dict]]
) -> dict[str, dict]:
    """Each check with ``ok`` and a short ``detail``: the database and its migrations,
    Redis when ``redis_url`` is set, then the checks ``more`` answers (indexes loaded)."""
    checks: dict[str, dict] = {}
    try:
        current = current_revision(db.engine)
        checks["database"] = {"ok": True, "detail": "reachable"}
    except ClearinghouseError as exc:
        checks["database"] = {"ok": False, "detail": exc.detail}
        current = None
    if redis_url:
        try:
            with redis_guard():
                redis_for(redis_url).ping()
            checks["redis"] = {"ok": True, "detail": "reachable"}
        except ClearinghouseError as exc:
            checks["redis"] = {"ok": False, "detail": exc.detail}
    if not checks["database"]["ok"]:
        return checks
    head = head_revision_of(db.url)
    checks["migrations"] = {
        "ok": current == head,
        "detail": f"at {current}" if current == head else f"at {current}, head is {head}",
    }
    for name, check in more().items():
        checks[name] = check
    return checks


@functools.lru_cache(maxsize=8)
def head_revision_of(url: str) -> str | None:
    """The head revision of the shipped migrations, read once per process (they do not
    change while it runs); ``create_app`` reads it at start."""
    return head_revision(url)
