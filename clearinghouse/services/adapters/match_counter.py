"""How many lookup requests matched each signal, per window, counted in the process.

A request adds one for each signal its answer holds, however many of its queries (the
variants of one file, say) matched it; nothing else of the request is kept — not the
member, not a query, not the time within the window. The hold checker takes the counts
every second and adds them to the database (``store/holds.py``), where every
process's counts meet.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable

__all__ = ["MatchCounter", "window_start"]


def window_start(moment: float, seconds: int) -> int:
    """The start (Unix seconds) of the window of ``seconds`` holding ``moment``."""
    return int(moment // seconds) * seconds


class MatchCounter:
    """Counts by (window start, signal id); ``take`` hands them over and starts afresh."""

    def __init__(self, window_seconds: int, clock: Callable[[], float]) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[int, Counter[int]] = {}

    def count(self, results: Iterable[dict]) -> None:
        """Count the answer of one request (its ``results``, ``{"matches": [...]}`` each)."""
        found = {m["signal_id"] for r in results for m in r.get("matches", ())}
        if not found:
            return
        window = window_start(self._clock(), self.window_seconds)
        with self._lock:
            self._counts.setdefault(window, Counter()).update(found)

    def take(self) -> dict[int, dict[int, int]]:
        """Every count since the last ``take``: window start → signal id → matches."""
        with self._lock:
            taken, self._counts = self._counts, {}
        return {window: dict(counts) for window, counts in taken.items()}

    def give_back(self, counts: dict[int, dict[int, int]]) -> None:
        """Counts ``take`` handed over that could not be stored: kept for the next try."""
        with self._lock:
            for window, found in counts.items():
                self._counts.setdefault(window, Counter()).update(found)
