"""The one way a use case changes state: a write transaction holding the log lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from clearinghouse.store import Session
from clearinghouse.store.log import log_size
from clearinghouse.wire import utcnow

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = ["log_transaction"]


@contextmanager
def log_transaction(db: Database) -> Iterator[tuple[Session, datetime, int]]:
    """Yield ``(session, now, log size)`` with the log locked until commit.

    The time is read after the lock is taken, so entry times never go backwards in the
    log even with several processes writing at once (auditors check that they don't).
    """
    with db.write() as session:
        size = log_size(session, lock=True)
        yield session, utcnow(), size
    db.log_committed()
