"""The held signals as one process knows them, so that a lookup marks them without a
database call.

Reloaded when this process holds or releases a signal, and by the hold checker's thread
every few seconds (``services/use_cases/hold_checker.py``), so a hold or release made by
another process is seen within that time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from clearinghouse.store import Session
from clearinghouse.store.holds import held_ids

__all__ = ["HoldBoard"]


class HoldBoard:
    """``held()`` → the ids of the signals held now; ``mark`` says so in matches."""

    def __init__(self, read: Callable[[], AbstractContextManager[Session]]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._held: frozenset[int] | None = None

    def refresh(self) -> None:
        """Reload from the database now."""
        with self._read() as session:
            found = held_ids(session)
        with self._lock:
            self._held = found

    def held(self) -> frozenset[int]:
        if self._held is None:
            self.refresh()
        return self._held  # type: ignore[return-value]

    def mark(self, shown: dict[int, dict]) -> None:
        """Give each described signal ``"held"``: true while it is held."""
        held = self.held() if shown else frozenset()
        for signal_id, described in shown.items():
            described["held"] = signal_id in held
