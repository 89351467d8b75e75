"""The replay cache in the database: a signature is accepted once within its window."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from clearinghouse.store.db import Database
from clearinghouse.store.models import ReplayEntry

__all__ = ["remember_signature"]


def remember_signature(db: Database, signature_hash: str, expires_at: int, now: int) -> bool:
    """Record a signature; False when it was already recorded (a replay)."""
    try:
        with db.write() as session:
            session.execute(
                insert(ReplayEntry).values(signature_hash=signature_hash, expires_at=expires_at)
            )
            # Forget a few expired entries on the way, so the table stays small.
            if int.from_bytes(bytes.fromhex(signature_hash[:2]), "big") < 4:
                session.execute(delete(ReplayEntry).where(ReplayEntry.expires_at < now))
    except IntegrityError:
        return False
    return True
