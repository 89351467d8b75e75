"""Member keys, roles and status held in each process, so a signed request needs no
database round trip to find its key.

The log follower refreshes the directory whenever the log holds a membership entry it
has not seen, and confirms it current at every poll. A request trusts the directory only
while that confirmation is under ``FRESH_FOR`` seconds old — so a revocation or a
suspension takes effect in every process within that time — and asks the database
otherwise (a stalled follower never extends a revoked key's life). A key the directory
does not know (added a moment ago by another process) is looked up in the database too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from clearinghouse.store import Session, membership
from clearinghouse.store.membership import ActiveKey

__all__ = ["FRESH_FOR", "MemberDirectory"]

FRESH_FOR = 1.0  # seconds a confirmation of the directory is trusted


class MemberDirectory:
    """Active keys of active members by key id; ``known`` holds every key id that exists."""

    def __init__(self, read: Callable, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read  # a context manager giving a read session (Database.read)
        self._clock = clock
        self._active: dict[str, ActiveKey] = {}
        self._known: frozenset[str] = frozenset()
        self._confirmed_at = float("-inf")
        # Local changes asked for (``invalidate``) and the last one a reload reflects.
        # A reload reads ``_wanted`` before it reads the database and publishes the new
        # maps before ``_loaded``, so a request never takes the old maps for reloaded.
        self._wanted, self._loaded = 1, 0
        self._lock = threading.Lock()

    def active_key(self, key_id: str) -> ActiveKey | None:
        """The key when both it and its member are active; None otherwise."""
        if self._loaded != self._wanted:
            self.refresh()
        if self._clock() - self._confirmed_at > FRESH_FOR:
            with self._read() as session:
                return membership.active_key(session, key_id)
        found = self._active.get(key_id)
        if found is None and key_id not in self._known:
            with self._read() as session:  # a key newer than the directory
                return membership.active_key(session, key_id)
        return found

    def refresh(self) -> None:
        """Reload every member and key (a few rows per member)."""
        started = self._clock()
        with self._lock:
            wanted = self._wanted
            with self._read() as session:
                active, known = _load(session)
            self._active, self._known = active, known
            self._loaded = wanted
            self._confirmed_at = max(self._confirmed_at, started)

    def confirm(self, at: float) -> None:
        """The follower found no membership change in the log up to a head read at ``at``."""
        self._confirmed_at = max(self._confirmed_at, at)

    def invalidate(self) -> None:
        """This process changed the log: reload before the next request is checked."""
        self._wanted += 1


def _load(session: Session) -> tuple[dict[str, ActiveKey], frozenset[str]]:
    active: dict[str, ActiveKey] = {}
    known: set[str] = set()
    for member, keys in membership.members_with_keys(session):
        for key in keys:
            known.add(key.key_id)
            if member.status == "active" and key.status == "active":
                active[key.key_id] = ActiveKey(
                    key.key_id, bytes(key.public_key), member.id, member.role_set
                )
    return active, frozenset(known)
