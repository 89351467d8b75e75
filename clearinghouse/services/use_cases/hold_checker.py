"""The hold checker (DESIGN §15): a signal that suddenly matches far more than the
signals of its type usually do is held.

Every few seconds each serving process adds the match counts it gathered
(``services/adapters/match_counter.py``) to the table every process shares
(``store/match_counts.py``), then looks at the current window: a signal with at least
``min_matches`` there, and more than ``multiple`` times its type's baseline — the mean
matches of a matched signal of that type in one window, over the ``baseline_windows``
before — is held, unless it is held already or was released in this window. Holding is
one log entry under the log lock, where the rule refuses a second hold: several
processes may check at once and the signal is held once. Counts older than the
trailing windows are deleted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from clearinghouse.domain.holds import is_held, released_since
from clearinghouse.errors import ClearinghouseError, Conflict, NotFound
from clearinghouse.services.adapters.hold_board import HoldBoard
from clearinghouse.services.adapters.match_counter import MatchCounter, window_start
from clearinghouse.services.use_cases.holds import hold_signal
from clearinghouse.store.db import Database
from clearinghouse.store.holds import get_hold
from clearinghouse.store.match_counts import add_counts, busy_signals, prune_counts, type_baselines
from clearinghouse.wire import iso

__all__ = ["CHECK_SECONDS", "HoldChecker", "HoldPolicy", "check", "flush_counts"]

log = logging.getLogger("clearinghouse.holds")

CHECK_SECONDS = 5.0  # between flushes and checks (at most a quarter of the window)


@dataclass(frozen=True)
class HoldPolicy:
    """When the checker holds a signal (``CLEARINGHOUSE_HOLD_*``)."""

    window_seconds: int
    multiple: float
    min_matches: int  # 0: the checker holds nothing
    baseline_windows: int

    def baseline_start(self, start: int) -> int:
        return start - self.baseline_windows * self.window_seconds


def flush_counts(db: Database, counter: MatchCounter) -> int:
    """Add the counts gathered in this process to the shared table; return how many
    (signal, window) counts went. Counts that cannot be stored are kept for next time."""
    taken = counter.take()
    if not taken:
        return 0
    try:
        with db.write() as session:
            for window, counts in sorted(taken.items()):
                add_counts(session, window, counts)
    except Exception:
        counter.give_back(taken)
        raise
    return sum(len(counts) for counts in taken.values())


def check(
    db: Database,
    board: HoldBoard,
    policy: HoldPolicy,
    applied: Callable[[int], None],
    now: float,
) -> list[int]:
    """Hold every signal the current window's counts call for; return their ids."""
    if policy.min_matches == 0:
        return []
    start = window_start(now, policy.window_seconds)
    opened = datetime.fromtimestamp(start, UTC)
    with db.read() as session:
        busy = busy_signals(session, start, policy.min_matches)
        if not busy:
            return []
        baselines = type_baselines(
            session, policy.baseline_start(start), start, {kind for _, kind, _ in busy}
        )
        holds = {sid: get_hold(session, sid) for sid, _, _ in busy}
    held = []
    for sid, kind, matches in busy:
        baseline = baselines.get(kind, 0.0)
        if matches <= policy.multiple * baseline:
            continue
        if is_held(holds[sid]) or released_since(holds[sid], opened):
            continue
        reason = (
            f"{matches} matches in the window from {iso(opened)}: more than "
            f"{policy.multiple:g} times the {kind} baseline of {baseline:.1f} a signal"
        )
        try:
            hold_signal(db, board, applied, sid, reason, by="checker")
        except (Conflict, NotFound):
            continue  # held by another process meanwhile, or retracted
        held.append(sid)
    return held


class HoldChecker:
    """One daemon thread per serving process: flush the counts, check, forget old
    counts, and reload the held signals (holds made by other processes)."""

    def __init__(
        self,
        db: Database,
        counter: MatchCounter,
        board: HoldBoard,
        policy: HoldPolicy,
        applied: Callable[[int], None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.counter = counter
        self.board = board
        self.policy = policy
        self.applied = applied
        self.clock = clock
        self.interval = min(CHECK_SECONDS, policy.window_seconds / 4)
        self._pruned: int | None = None  # the window whose older counts went last
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> list[int]:
        """One round; return the ids of the signals it held."""
        flush_counts(self.db, self.counter)
        now = self.clock()
        held = check(self.db, self.board, self.policy, self.applied, now)
        start = window_start(now, self.policy.window_seconds)
        if start != self._pruned:
            with self.db.write() as session:
                prune_counts(session, self.policy.baseline_start(start))
            self._pruned = start
        self.board.refresh()
        return held

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="hold-checker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except ClearinghouseError as exc:  # e.g. the database is down: retry
                log.warning("hold checker: %s", exc.detail)
            except Exception:  # keep checking; the next round retries
                log.exception("hold checker failed")

    def stop(self) -> None:
        """Stop the thread and store the counts gathered since its last round."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            flush_counts(self.db, self.counter)
        except Exception:  # closing: the counts of the last seconds may be lost
            log.warning("hold checker: the last counts could not be stored")
