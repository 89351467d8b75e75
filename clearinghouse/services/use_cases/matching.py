"""Lookups (DESIGN §5): one index per signal type, kept fresh from the database.

Every process holds, beside its indexes, the state each signal is shown with
(services/adapters/signal_states.py), so a lookup makes no database call. Both come
from the host's published snapshot generation, mapped by every worker
(services/use_cases/generation_following.py), plus the changes after it; without a
usable one, from the database. Both follow the change sequence (the log index stamped
on every changed signal): the process that acknowledged a statement applies it at once,
the others at their log follower's next poll (services/use_cases/log_follower.py). A
lookup itself is a function of the indexes, the states and its limits
(services/use_cases/lookup.py); the work of a request is bounded
(services/use_cases/lookup_limits.py). Lookups are never stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from clearinghouse.index import IndexSet, Matches, RegionAliases
from clearinghouse.services.adapters import region_aliases as aliases
from clearinghouse.services.adapters.signal_states import SignalStates
from clearinghouse.services.use_cases.generation_following import FollowsGenerations
from clearinghouse.services.use_cases.lookup import match, search_forms
from clearinghouse.services.use_cases.lookup_limits import LookupLimits, searched
from clearinghouse.services.use_cases.match_queries import parse_queries
from clearinghouse.services.use_cases.match_query import Query
from clearinghouse.store.db import Database
from clearinghouse.store.state_pages import state_page

__all__ = ["LookupLimits", "Matcher", "Query", "match", "parse_queries"]

PAGE = 50_000
# A new generation after this many applied changes (each process's delta stays about
# this small: its fresh part is scanned flat) …
SNAPSHOT_CHANGES = 20_000
SNAPSHOT_SECONDS = 120.0  # … or this long after the last one, if anything changed


class Matcher(FollowsGenerations):
    """The indexes of one process and the cursor of the changes they reflect."""

    def __init__(self, db: Database, index_set: IndexSet, generations_dir: Path) -> None:
        """``index_set``: empty, one index per signal type (``IndexSet.for_registry``);
        ``generations_dir``: where the host's snapshot generations are published."""
        self.db = db
        self.index_set = index_set
        self.generations_dir = generations_dir
        self.cursor: tuple[int, int] = (-1, 0)
        self._acknowledged = -1  # highest log index this process acknowledged
        self._changes_since_save = 0
        self._saved_at = time.monotonic()
        self.ready = threading.Event()
        self.loaded_from: str | None = None  # "snapshot" or "database", once loaded
        self.generation: str | None = None  # the mapped generation's name
        # Lookups are never stored; these counts are all that is kept of them.
        self.counters = {"requests": 0, "queries": 0, "queries_with_matches": 0}
        self._apply_lock = threading.Lock()
        self._writer: threading.Thread | None = None
        kinds = {name: index_set.kind(name) for name in index_set}
        self._widths = {name: kind.value_bytes for name, kind in kinds.items()}
        self._wire = {name: kind.wire_value for name, kind in kinds.items()}
        self._region_types = frozenset(name for name, kind in kinds.items() if kind.has_regions)
        self.states = SignalStates(self._widths, self._wire)
        self.regions = RegionAliases()  # region codes, aliases of their signals

    # -- following the database -------------------------------------------------------

    def load(self) -> None:
        """Map the published snapshot generation and replay only the changes after it;
        without a usable one, read everything from the database and publish one."""
        generation = self._open_generation()
        if generation is not None:
            # Region aliases stay in process memory, read whole from the database.
            aliases.load_all(self.db, self.regions)
            self._adopt(generation)
            self.loaded_from = "snapshot"
        else:
            self.catch_up()
            self.loaded_from = "database"
            if self.write_generation(replacing=self._published()) is not None:
                # Map what was just written, so this process's private copy goes too.
                generation = self._open_generation()
                if generation is not None:
                    self._adopt(generation)
        self.ready.set()

    def catch_up(self) -> int:
        """Apply every change committed after the cursor; return how many."""
        with self._apply_lock:
            self.cursor, applied = self._replay(self.index_set, self.states, self.cursor)
            self._changes_since_save += applied
            return applied

    def _replay(
        self, index_set: IndexSet, states: SignalStates, cursor: tuple[int, int]
    ) -> tuple[tuple[int, int], int]:
        """Apply to ``index_set`` and ``states`` every change after ``cursor``."""
        applied = 0
        while True:
            with self.db.read() as session:
                page = state_page(session, cursor, PAGE)
            if not page.ids:
                return cursor, applied
            # States first: a signal the index finds always has its state.
            states.update(page)
            index_set.apply(page.ids, page.types, page.values, page.statuses)
            # Idempotent, shared by every view.
            aliases.apply_page(self.db, self.regions, page, self._region_types)
            cursor = page.cursor
            applied += len(page.ids)

    def acknowledged(self, log_index: int) -> None:
        """A statement at ``log_index`` was acknowledged here. The next lookup on this
        process catches up first (``ensure_fresh``), so it is matchable at once without
        making the statement's answer wait for the index."""
        self._acknowledged = max(self._acknowledged, log_index)

    def ensure_fresh(self) -> None:
        """Catch up if this process acknowledged something the indexes do not hold yet."""
        if self.cursor[0] < self._acknowledged:
            self.catch_up()

    def snapshot_due(self) -> bool:
        """Publish a new generation after many changes, or now and then after a few, so
        the per-process deltas stay small and a restart replays little."""
        if self._changes_since_save >= SNAPSHOT_CHANGES:
            return True
        return self._changes_since_save > 0 and (
            time.monotonic() - self._saved_at >= SNAPSHOT_SECONDS
        )

    # -- lookups ------------------------------------------------------------------------

    def answer(
        self,
        queries: list[Query],
        limits: LookupLimits,
        *,
        dihedral: bool = False,
        mark: Callable[[dict[int, dict]], None] | None = None,
    ) -> dict:
        """Answer queries in order, on indexes holding whatever this process acknowledged
        (``lookup.match``); counted, never stored."""
        self.ensure_fresh()
        # The indexes before the states: ``_adopt`` swaps the states first, so states
        # read after the indexes hold every signal those indexes find.
        index_set = self.index_set
        found = match(
            index_set,
            self.states,
            limits,
            queries,
            dihedral=dihedral,
            regions=self.regions,
            mark=mark,
        )
        self.counters["requests"] += 1
        self.counters["queries"] += len(queries)
        self.counters["queries_with_matches"] += found.matched
        return found.to_wire()

    def search_many(self, queries: list[Query], limit: int | None = None) -> list[Matches]:
        """The ``limit`` nearest matches of each query and their total count."""
        return searched(search_forms, self.index_set, queries, limit, self.regions)

    def search(self, query: Query) -> list[tuple[int, int]]:
        """``(signal_id, distance)`` of every indexed signal within the query's distance."""
        return self.search_many([query])[0].pairs()
