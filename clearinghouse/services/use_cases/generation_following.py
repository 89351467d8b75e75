"""How a serving process follows the host's snapshot generations (DESIGN §16).

``Matcher`` mixes this in. A process maps the published generation and replays the
changes after its position; when another process publishes a newer one, it maps that
and drops its own delta; when its delta has grown (``snapshot_due``), it folds its view
into a new generation in a background thread — unless another process is writing one or
has just published one, so the host pays for each generation once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from clearinghouse.index import SnapshotBusy, SnapshotError
from clearinghouse.index.generations import (
    Generation,
    Part,
    current_generation,
    open_generation,
    write_generation,
)
from clearinghouse.services.adapters.index_generations import (
    STATES_PART,
    MatchingView,
    generation_parts,
    view_of,
)

if TYPE_CHECKING:
    from clearinghouse.index import IndexSet
    from clearinghouse.services.adapters.signal_states import SignalStates

__all__ = ["FollowsGenerations"]

log = logging.getLogger("clearinghouse.matching")


class FollowsGenerations:
    """The generation half of ``Matcher``: map, adopt, publish."""

    generations_dir: Path  # where the host's generations are published
    index_set: IndexSet
    states: SignalStates
    cursor: tuple[int, int]
    generation: str | None
    _apply_lock: threading.Lock
    _writer: threading.Thread | None
    _widths: dict[str, int]
    _wire: dict[str, Callable[[str], object]]
    _changes_since_save: int
    _saved_at: float

    def _open_generation(self) -> Generation | None:
        try:
            if current_generation(self.generations_dir) is None:
                return None  # none published yet
            return open_generation(self.generations_dir, copy_on_write=frozenset({STATES_PART}))
        except SnapshotError as exc:
            log.warning("snapshot generation not used, reading the database: %s", exc.detail)
            return None

    def _adopt(self, generation: Generation) -> None:
        """Serve from ``generation``: replay the changes after its position into a view
        over it (most of them before taking the lock, the rest under it), then swap."""
        view = view_of(generation, self.index_set, self._widths, self._wire)
        cursor, _ = self._replay(view.index_set, view.states, (generation.position - 1, 2**62))
        with self._apply_lock:
            cursor, applied = self._replay(view.index_set, view.states, cursor)
            # States before indexes: a lookup between the two finds old matches, whose
            # states the new columns hold too.
            self.states = view.states
            self.index_set = view.index_set
            self.cursor = max(cursor, self.cursor)
            self.generation = generation.name
            self._changes_since_save = applied
            self._saved_at = time.monotonic()

    def refresh_generation(self) -> None:
        """Map a generation another process published; or start writing one when due."""
        published = self._published()
        if published is not None and published != self.generation:
            generation = self._open_generation()
            if generation is not None and generation.name != self.generation:
                self._adopt(generation)
                return
        if self.snapshot_due() and (self._writer is None or not self._writer.is_alive()):
            self._writer = threading.Thread(
                target=self.write_generation, name="snapshot-writer", daemon=True
            )
            self._writer.start()

    def _published(self) -> str | None:
        try:
            return current_generation(self.generations_dir)
        except SnapshotError as exc:
            log.warning("snapshot generations unreadable: %s", exc.detail)
            return None

    def write_generation(self, replacing: str | object | None = ...) -> str | None:
        """Fold this process's view into a new generation and publish it, unless another
        process is writing one or has published one since ``replacing`` (by default the
        one this process maps; then map that instead)."""
        if replacing is ...:
            replacing = self.generation
        self._changes_since_save, self._saved_at = 0, time.monotonic()

        def build() -> tuple[dict[str, Part], int]:
            # The position is read before the arrays: replaying from it after a load
            # covers everything applied while they are copied (replays are idempotent).
            position = max(self.cursor[0], 0)
            return generation_parts(MatchingView(self.index_set, self.states)), position

        try:
            return write_generation(self.generations_dir, build, wait=False, replacing=replacing)
        except SnapshotBusy:
            log.info("a snapshot generation is being written by another process; skipped")
        except (SnapshotError, OSError, MemoryError) as exc:
            log.warning("snapshot generation not written: %s", exc)
        return None
