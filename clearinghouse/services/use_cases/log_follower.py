"""The log follower: one daemon thread per serving process that keeps the process's
in-memory views — the member directory, the incident and hold boards, and the matching
indexes — in step with the log, and runs the hold checker after each poll.

It waits for a PostgreSQL notification (sent by every append) or one poll interval,
then reads the log head: one row by primary key, which is all an idle poll costs. Only
when the head moved does it read what changed — the new signal states for the indexes,
and the member table when a membership entry was appended.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from clearinghouse.errors import ClearinghouseError
from clearinghouse.services.adapters.hold_board import HOLD_ENTRY_TYPES
from clearinghouse.services.adapters.incident_board import IncidentBoard
from clearinghouse.services.adapters.member_directory import MemberDirectory
from clearinghouse.store.db import Database
from clearinghouse.store.log import entry_types_between, log_size
from clearinghouse.store.notify import LogNotifications
from clearinghouse.wire import PAYLOAD_TYPES

__all__ = ["STATEMENT_TYPES", "FollowedHolds", "FollowedIndexes", "LogFollower"]

log = logging.getLogger("clearinghouse.follower")

# Entries that change signals only; any other type may change members, keys or roles.
STATEMENT_TYPES = frozenset(PAYLOAD_TYPES)


class FollowedIndexes(Protocol):
    """What the follower calls on the matching indexes (``Matcher`` is one)."""

    @property
    def ready(self) -> threading.Event: ...

    def load(self) -> object: ...

    def catch_up(self) -> object: ...

    def refresh_generation(self) -> object: ...


class FollowedHolds(Protocol):
    """What the follower calls on the hold checker (``HoldChecker`` is one)."""

    @property
    def board(self) -> object: ...

    def tick(self) -> object: ...


class LogFollower:
    """Polls (or is woken) and applies what the log gained to this process's views:
    the member ``directory``, the incident ``board`` and the matching ``indexes``."""

    def __init__(
        self,
        db: Database,
        directory: MemberDirectory,
        board: IncidentBoard,
        indexes: FollowedIndexes,
        interval: float,
        *,
        holds: FollowedHolds | None = None,
    ) -> None:
        self.db = db
        self.directory = directory
        self.board = board
        self.indexes = indexes
        self.interval = interval
        self.holds = holds
        self.head: int | None = None  # log size at the last poll
        self.polls = 0
        self._notifications = LogNotifications(db.url)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> None:
        """Read the head and apply whatever it says changed."""
        at = time.monotonic()
        with self.db.read() as session:
            head = log_size(session)
            types = (
                entry_types_between(session, self.head, head)
                if self.head is not None and head > self.head
                else set()
            )
        if self.head is None or head < self.head or types - STATEMENT_TYPES:
            self.directory.refresh()
        else:
            self.directory.confirm(at)
        if self.head is None or head < self.head or "incident" in types:
            self.board.refresh()
        if self.holds is not None and (
            self.head is None or head < self.head or types & HOLD_ENTRY_TYPES
        ):
            self.holds.board.refresh()
        indexes = self.indexes
        if not indexes.ready.is_set():
            indexes.load()
        else:
            if head != self.head:
                indexes.catch_up()
            indexes.refresh_generation()
        self.head = head
        self.polls += 1
        if self.holds is not None:
            self.holds.tick()

    def start(self) -> None:
        """Follow in a daemon thread until ``stop``."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="log-follower", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        interval = self.interval
        while not self._stop.is_set():
            try:
                self.poll()
            except ClearinghouseError as exc:  # e.g. the database is down: retry
                log.warning("log follower: %s", exc.detail)
            except Exception:  # keep following; the next poll retries
                log.exception("log follower failed")
            try:
                # With LISTEN this returns at a notification or after the interval.
                self._notifications.wait(interval)
                rest = 0.0 if self._notifications.enabled else interval
            except Exception:  # no LISTEN while the database is away: poll
                rest = interval
            if self._stop.wait(rest):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._notifications.close()
