"""Every member's suppressions, held in the process so that a lookup reads no database.

Loaded whole on first use; the process that changes a member's list updates it at once;
a daemon thread reloads it every ``interval`` seconds, so another process serving the
same database sees a change within that time (CLEARINGHOUSE_INDEX_POLL_INTERVAL).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from clearinghouse.store.suppressions import all_suppressions

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = ["SuppressionCache"]

log = logging.getLogger("clearinghouse.suppressions")


class SuppressionCache:
    """``of(member)`` → the signal ids that member suppresses."""

    def __init__(self, db: Database, interval: float) -> None:
        self._db = db
        self._interval = interval
        self._sets: dict[str, frozenset[int]] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def of(self, member: str) -> frozenset[int]:
        if self._sets is None:
            self.reload()
            self._start()
        return self._sets.get(member, frozenset())  # type: ignore[union-attr]

    def reload(self) -> None:
        """Read every member's list again."""
        with self._db.read() as session:
            fresh = all_suppressions(session)
        with self._lock:
            self._sets = fresh

    def changed(self, member: str, ids: frozenset[int]) -> None:
        """This process changed ``member``'s list to ``ids``: seen by its next lookup."""
        with self._lock:
            if self._sets is not None:
                self._sets = {**self._sets, member: ids}

    def close(self) -> None:
        """Stop the reloading thread (before the database it reads is disposed)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="suppressions", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.reload()
            except Exception:  # an outage must not end the thread; the old list stays
                log.warning("suppressions not reloaded", exc_info=True)
