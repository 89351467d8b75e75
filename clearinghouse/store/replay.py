"""The replay cache in the database: a signature is accepted once within its window."""

from __future__ import annotations

import functools

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from clearinghouse.store.db import Database
from clearinghouse.store.models import ReplayEntry

__all__ = ["remember_signature"]


@functools.cache
def _INSERT():
    return insert(ReplayEntry)


def remember_signature(db: Database, signature_hash: str, expires_at: int, now: int) -> bool:
    """Record a signature; False when it was already recorded (a replay)."""
    try:
        with db.write() as session:
            conn = session.connection()
            conn.execute(_INSERT(), {"signature_hash": signature_hash, "expires_at": expires_at})
            # Forget expired entries now and then (1 call in 64), so the table stays small.
            if int(signature_hash[:2], 16) < 4:
                conn.execute(delete(ReplayEntry).where(ReplayEntry.expires_at < now))
    except IntegrityError:
        return False
    return True
