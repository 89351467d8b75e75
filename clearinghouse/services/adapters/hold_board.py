"""The held signals as one process knows them, so that a lookup marks them without a
database call.

Reloaded when this process holds or releases a signal, and when the log follower sees
a hold or release entry from another process (within its poll interval).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from clearinghouse.store import Session
from clearinghouse.store.holds import held_ids

__all__ = ["HOLD_ENTRY_TYPES", "HoldBoard"]

HOLD_ENTRY_TYPES = frozenset({"signal_held", "signal_released", "release"})


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
        """Give each described signal held now ``"held": true``."""
        held = self.held() if shown else frozenset()
        for signal_id in held & shown.keys():
            shown[signal_id]["held"] = True
