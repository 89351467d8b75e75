"""The one way a use case changes state: a write transaction holding the log lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from clearinghouse.services.context import ServiceContext
from clearinghouse.services.entries import utcnow
from clearinghouse.store import Session
from clearinghouse.store.log import log_size

__all__ = ["log_transaction"]


@contextmanager
def log_transaction(ctx: ServiceContext) -> Iterator[tuple[Session, datetime, int]]:
    """Yield ``(session, now, log size)`` with the log locked until commit.

    The time is read after the lock is taken, so entry times never go backwards in the
    log even with several processes writing at once (auditors check that they don't).
    """
    with ctx.db.write() as session:
        size = log_size(session, lock=True)
        yield session, utcnow(), size
    ctx.log_changed()
