"""The hold checker: every second or so, the process adds its match counts to the
database and holds each signal that matched far more lookups in the current window than
the signals of its type did in the windows before (``domain.holds.over_baseline``).

Run by the log follower's thread of every serving process; the counts of all processes
meet in the database, and two processes deciding to hold the same signal at once hold
it once (the second is refused under the log lock). A signal released in the current
window is left alone until the next one, so a release is not undone by the burst that
caused the hold.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from clearinghouse.domain.holds import over_baseline
from clearinghouse.errors import Conflict, NotFound
from clearinghouse.services.adapters.hold_board import HoldBoard
from clearinghouse.services.adapters.match_counter import MatchCounter, window_start
from clearinghouse.services.use_cases.holds import hold_signal
from clearinghouse.store import holds as rows

if TYPE_CHECKING:
    from clearinghouse.config import Settings
    from clearinghouse.store.db import Database

__all__ = ["BASELINE_WINDOWS", "CHECK_SECONDS", "HoldChecker", "HoldPolicy"]

log = logging.getLogger("clearinghouse.holds")

BASELINE_WINDOWS = 24  # windows before the current one a type's baseline is the mean over
CHECK_SECONDS = 1.0  # how often counts are flushed and the current window checked


@dataclass(frozen=True)
class HoldPolicy:
    """When the checker holds a signal (the CLEARINGHOUSE_HOLD_* settings)."""

    window_seconds: int
    multiple: float
    min_matches: int

    @classmethod
    def from_settings(cls, settings: Settings) -> HoldPolicy:
        return cls(settings.hold_window_seconds, settings.hold_multiple, settings.hold_min_matches)


class HoldChecker:
    """Counts this process's matches (``count``) and, at ``tick``, flushes and checks."""

    def __init__(
        self,
        db: Database,
        policy: HoldPolicy,
        board: HoldBoard,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.policy = policy
        self.board = board
        self.clock = clock
        self.counter = MatchCounter(policy.window_seconds, clock)
        self._checked_at: float | None = None

    def count(self, results: list[dict]) -> None:
        """Count one lookup request's answer."""
        self.counter.count(results)

    def tick(self) -> None:
        """``run`` when ``CHECK_SECONDS`` have passed since the last run."""
        now = self.clock()
        if self._checked_at is None or now - self._checked_at >= CHECK_SECONDS:
            self._checked_at = now
            self.run()

    def run(self) -> list[int]:
        """Flush the counts, hold what the policy holds; return the ids held now."""
        self.flush()
        policy = self.policy
        if policy.min_matches <= 0:
            return []
        window = window_start(self.clock(), policy.window_seconds)
        since = window - BASELINE_WINDOWS * policy.window_seconds
        with self.db.read() as session:
            busy = rows.busy_signals(session, window, policy.min_matches)
            if not busy:
                return []
            baselines = rows.type_baselines(session, since, window)
            records = rows.all_holds(session)
        opened = datetime.fromtimestamp(window, UTC)
        held = []
        for signal_id, signal_type, matches in busy:
            record = records.get(signal_id)
            if record is not None and (record.status == "held" or record.at >= opened):
                continue  # held, or released in this window
            baseline = baselines.get(signal_type)
            if not over_baseline(matches, baseline, policy.multiple, policy.min_matches):
                continue
            shown = "no history" if baseline is None else f"{baseline:.1f}"
            reason = (
                f"matched {matches} lookups in the {policy.window_seconds} s window from "
                f"{opened:%Y-%m-%dT%H:%M:%SZ}; its type's baseline is {shown}"
            )
            try:
                hold_signal(self.db, signal_id, reason, by="checker")
            except (Conflict, NotFound):  # held by another process, or gone: nothing to do
                continue
            held.append(signal_id)
        if held:
            self.board.refresh()
        return held

    def flush(self) -> None:
        """Add this process's counts to the database and prune the windows no baseline
        reads any more."""
        taken = self.counter.take()
        if not taken:
            return
        try:
            with self.db.write() as session:
                for window, counts in sorted(taken.items()):
                    rows.add_counts(session, window, counts)
                newest = max(taken)
                rows.prune_counts(session, newest - BASELINE_WINDOWS * self.policy.window_seconds)
        except Exception:
            self.counter.give_back(taken)
            raise
