"""Lookups (DESIGN §5): one index per signal type, kept fresh from the database.

Every process holds, beside its indexes, the state each signal is shown with
(services/signal_states.py), so a lookup makes no database call. Both come from the
host's published snapshot generation, mapped by every worker (services/index_generations.py),
plus the changes after it; without a usable one, from the database. Both then follow the
change sequence (the log index stamped on every changed signal, by every submission,
retraction and feedback): the process that acknowledged a statement applies it at once,
the others when their log follower (services/log_follower.py) next polls or is woken.
Lookups are never stored.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from clearinghouse.errors import InvalidInput
from clearinghouse.ijson import only_fields
from clearinghouse.index import (
    ExactIndex,
    HammingIndex,
    Matches,
    SnapshotBusy,
    SnapshotError,
    VpdqIndex,
)
from clearinghouse.index.generations import (
    Generation,
    Part,
    current_generation,
    open_generation,
    write_generation,
)
from clearinghouse.services.index_generations import (
    STATES_PART,
    MatchingView,
    generation_parts,
    view_of,
)
from clearinghouse.services.signal_states import SignalStates
from clearinghouse.signals.dihedral import dihedral_variants
from clearinghouse.signals.items import ItemErrors
from clearinghouse.signals.types import Signal
from clearinghouse.store.state_pages import StatePage, state_page

if TYPE_CHECKING:
    from clearinghouse.bootstrap import Root

__all__ = ["Matcher", "Query", "match", "parse_queries"]

log = logging.getLogger("clearinghouse.matching")
PAGE = 50_000
# A new generation after this many applied changes (each process's delta stays about
# this small: its fresh part is scanned flat) …
SNAPSHOT_CHANGES = 20_000
SNAPSHOT_SECONDS = 120.0  # … or this long after the last one, if anything changed


@dataclass(frozen=True)
class Query:
    signal: Signal
    max_distance: int


class Matcher:
    """The indexes of one process and the cursor of the changes they reflect."""

    def __init__(self, root: Root) -> None:
        self.root = root
        self.registry = root.registry
        self.indexes: dict[str, Any] = {}
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
        self._widths: dict[str, int] = {}
        self._options: dict[str, dict[str, Any]] = {}
        for name in self.registry.names:
            kind = self.registry.get(name)
            self._widths[name] = 0 if kind.index_kind == "vpdq" else kind.nbits // 8
            if kind.index_kind == "hamming":
                # PDQ is tuned for its default distance (31; larger ones scan, still exact);
                # the 64-bit types for their whole range, which stays small.
                tuned = (
                    kind.default_max_distance if kind.nbits == 256 else kind.max_distance_ceiling
                )
                self.indexes[name] = HammingIndex(kind.nbits, tuned_distance=tuned)
                self._options[name] = {"nbits": kind.nbits, "tuned_distance": tuned}
            elif kind.index_kind == "exact":
                self.indexes[name] = ExactIndex(kind.nbits // 8)
                self._options[name] = {"nbytes": kind.nbits // 8}
            else:
                pct = {"query_match_pct": kind.query_match_pct}
                pct["index_match_pct"] = kind.index_match_pct
                self.indexes[name] = VpdqIndex(**pct)
                self._options[name] = pct
            if kind.index_kind != "exact":
                # A mapped main part is never rebuilt in a worker: the next generation
                # folds the delta in, once for the host.
                self._options[name]["auto_compact"] = False
        self.states = SignalStates(self._widths)

    @property
    def _generations_dir(self) -> Path:
        return self.root.settings.effective_snapshot_dir

    # -- following the database -------------------------------------------------------

    def load(self) -> None:
        """Map the published snapshot generation and replay only the changes after it;
        without a usable one, read everything from the database and publish one."""
        generation = self._open_generation()
        if generation is not None:
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
            self.cursor, applied = self._replay(self.indexes, self.states, self.cursor)
            self._changes_since_save += applied
            return applied

    def _replay(
        self, indexes: dict[str, Any], states: SignalStates, cursor: tuple[int, int]
    ) -> tuple[tuple[int, int], int]:
        """Apply to ``indexes`` and ``states`` every change after ``cursor``."""
        applied = 0
        while True:
            with self.root.db.read() as session:
                page = state_page(session, cursor, PAGE)
            if not page.ids:
                return cursor, applied
            # States first: a signal the index finds always has its state.
            states.update(page)
            _apply(indexes, page, self._code)
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

    def _code(self, signal_type: str, value: str, quality: int | None):
        if signal_type == "vpdq":
            signal = self.registry.parse("vpdq", json.loads(value))
            return np.frombuffer(signal.to_bytes(), np.uint8).reshape(-1, 32)
        return bytes.fromhex(value)

    def snapshot_due(self) -> bool:
        """Publish a new generation after many changes, or now and then after a few, so
        the per-process deltas stay small and a restart replays little."""
        if self._changes_since_save >= SNAPSHOT_CHANGES:
            return True
        return self._changes_since_save > 0 and (
            time.monotonic() - self._saved_at >= SNAPSHOT_SECONDS
        )

    # -- snapshot generations -----------------------------------------------------------

    def _open_generation(self) -> Generation | None:
        try:
            if current_generation(self._generations_dir) is None:
                return None  # none published yet
            return open_generation(self._generations_dir, copy_on_write=frozenset({STATES_PART}))
        except SnapshotError as exc:
            log.warning("snapshot generation not used, reading the database: %s", exc.detail)
            return None

    def _adopt(self, generation: Generation) -> None:
        """Serve from ``generation``: replay the changes after its position into a view
        over it (most of them before taking the lock, the rest under it), then swap."""
        view = view_of(generation, self.indexes, self._options, self._widths)
        cursor, _ = self._replay(view.indexes, view.states, (generation.position - 1, 2**62))
        with self._apply_lock:
            cursor, applied = self._replay(view.indexes, view.states, cursor)
            # States before indexes: a lookup between the two finds old matches, whose
            # states the new columns hold too.
            self.states = view.states
            self.indexes = view.indexes
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
            return current_generation(self._generations_dir)
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
            return generation_parts(MatchingView(self.indexes, self.states)), position

        try:
            return write_generation(self._generations_dir, build, wait=False, replacing=replacing)
        except SnapshotBusy:
            log.info("a snapshot generation is being written by another process; skipped")
        except (SnapshotError, OSError, MemoryError) as exc:
            log.warning("snapshot generation not written: %s", exc)
        return None

    # -- lookups ------------------------------------------------------------------------

    def search_many(self, queries: list[Query], limit: int | None = None) -> list[Matches]:
        """The ``limit`` nearest matches of each query and their total count; queries of
        one type and distance go to the index as one batch, which spreads them over the
        cores."""
        out: list[Matches] = [_NO_MATCHES] * len(queries)
        groups: dict[tuple[str, int], list[int]] = {}
        for n, q in enumerate(queries):
            groups.setdefault((q.signal.signal_type, q.max_distance), []).append(n)
        for (signal_type, max_distance), members in groups.items():
            values = [_index_value(queries[n].signal) for n in members]
            hits = self.indexes[signal_type].search_many(values, max_distance, limit=limit)
            for n, found in zip(members, hits, strict=True):
                out[n] = found
        return out

    def search(self, query: Query) -> list[tuple[int, int]]:
        """``(signal_id, distance)`` of every indexed signal within the query's distance."""
        return self.search_many([query])[0].pairs()


def _apply(indexes: dict[str, Any], page: StatePage, code) -> None:
    """Apply one page of changed signals to ``indexes``: removals, then additions."""
    adds: dict[str, tuple[list[int], list]] = {}
    removes: dict[str, list[int]] = {}
    for sid, signal_type, value, quality, status in zip(
        page.ids, page.types, page.values, page.qualities, page.statuses, strict=True
    ):
        if signal_type not in indexes:
            continue
        if status == "active":
            ids, codes = adds.setdefault(signal_type, ([], []))
            ids.append(sid)
            codes.append(code(signal_type, value, quality))
        else:
            removes.setdefault(signal_type, []).append(sid)
    for signal_type, ids in removes.items():
        indexes[signal_type].remove(np.asarray(ids, np.int64))
    for signal_type, (ids, codes) in adds.items():
        indexes[signal_type].add(ids, codes)


_NO_MATCHES = Matches(np.empty(0, np.int64), np.empty(0, np.int32), 0)


def _index_value(signal: Signal) -> object:
    """A query's value in the form its index takes: bytes, or vPDQ's frame matrix."""
    if signal.signal_type == "vpdq":
        return np.frombuffer(signal.to_bytes(), np.uint8).reshape(-1, 32)
    return signal.to_bytes()


def parse_queries(root: Root, raw: Any) -> list[Query]:
    """Validate a match request's queries; every bad one is listed with its index."""
    limit = root.settings.max_match_queries
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("queries: expected a non-empty list")
    if len(raw) > limit:
        raise InvalidInput(f"queries: {len(raw)} queries; at most {limit} per request")
    errors = ItemErrors()
    out: list[Query] = []
    for i, item in enumerate(raw):
        query = errors.check(i, lambda item=item: _parse_query(root, item))
        if query is not None:
            out.append(query)
    errors.raise_if_any("queries")
    return out


QUERY_FIELDS = frozenset({"signal_type", "value", "quality", "max_distance"})


def _parse_query(root: Root, item: Any) -> Query:
    if not isinstance(item, dict):
        raise InvalidInput(
            "query: expected an object", errors=[{"field": "query", "reason": "expected an object"}]
        )
    only_fields(item, QUERY_FIELDS, "")
    for key in ("signal_type", "value"):
        if key not in item:
            raise InvalidInput(f"{key}: missing", errors=[{"field": key, "reason": "missing"}])
    registry = root.registry
    signal = registry.parse_reference(item["signal_type"], item["value"], item.get("quality"))
    max_distance = registry.resolve_max_distance(item["signal_type"], item.get("max_distance"))
    if signal.signal_type == "vpdq":
        frames, most = len(signal.to_bytes()) // 32, root.settings.vpdq_max_query_frames
        if frames > most:
            reason = f"{frames} frames; at most {most} per vPDQ query"
            raise InvalidInput(f"value: {reason}", errors=[{"field": "value", "reason": reason}])
    return Query(signal, max_distance)


def match(root: Root, matcher: Matcher, queries: list[Query], dihedral: bool) -> dict:
    """Answer queries in order; each match carries the signal's current state."""
    matcher.ensure_fresh()
    variants: list[Query] = []
    owners: list[int] = []  # which query each variant answers
    for n, q in enumerate(queries):
        forms = [q]
        if dihedral and q.signal.signal_type == "pdq":
            forms = [
                Query(Signal("pdq", v, q.signal.quality), q.max_distance)
                for v in dict.fromkeys(dihedral_variants(q.signal.value).values())
            ]
        variants.extend(forms)
        owners.extend([n] * len(forms))
    limit = root.settings.max_matches_per_query
    found: list[dict[int, int]] = [{} for _ in queries]
    totals = [0] * len(queries)  # matches within the distance, kept or not
    cut = [False] * len(queries)  # some form of the query had more than the limit
    for n, hits in zip(owners, matcher.search_many(variants, limit), strict=True):
        best = found[n]
        for sid, dist in hits.pairs():
            if sid not in best or dist < best[sid]:
                best[sid] = dist
        totals[n] = max(totals[n], hits.total)
        cut[n] = cut[n] or hits.truncated
    kept = [sorted(best.items(), key=lambda kv: (kv[1], kv[0]))[:limit] for best in found]
    ids = sorted({sid for pairs in kept for sid, _ in pairs})
    shown = matcher.states.describe_many(ids, root.settings.confirm_threshold) if ids else {}
    matcher.counters["requests"] += 1
    matcher.counters["queries"] += len(queries)
    matcher.counters["queries_with_matches"] += sum(1 for best in found if best)
    results = []
    for n, pairs in enumerate(kept):
        result: dict = {
            "matches": [
                {**shown[sid], "distance": dist}
                for sid, dist in pairs
                if sid in shown and shown[sid]["status"] == "active"
            ]
        }
        if cut[n] or len(found[n]) > limit:
            # Exact for one form; with dihedral forms that were cut, the largest count
            # of a single form (a lower bound on the distinct signals of all eight).
            result["truncated"] = True
            result["total"] = max(totals[n], len(found[n]))
        results.append(result)
    return {"results": results}
