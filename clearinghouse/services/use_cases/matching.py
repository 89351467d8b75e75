"""Lookups (DESIGN §5): one index per signal type, kept fresh from the database.

Every process holds, beside its indexes, the state each signal is shown with
(services/adapters/signal_states.py), so a lookup makes no database call. Both come
from the host's published snapshot generation, mapped by every worker
(services/use_cases/generation_following.py), plus the changes after it; without a
usable one, from the database. Both follow the change sequence (the log index stamped
on every changed signal): the process that acknowledged a statement applies it at once,
the others at their log follower's next poll (services/use_cases/log_follower.py). The
work of a request is bounded (services/use_cases/lookup_limits.py). Lookups are never
stored.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from clearinghouse.index import (
    ExactIndex,
    HammingIndex,
    Matches,
    RegionAliases,
    TmkIndex,
    TmkMatches,
    VpdqIndex,
)
from clearinghouse.services.adapters import region_aliases as aliases
from clearinghouse.services.adapters.index_generations import apply_page
from clearinghouse.services.adapters.signal_states import SignalStates
from clearinghouse.services.use_cases.generation_following import FollowsGenerations
from clearinghouse.services.use_cases.lookup_limits import check_work, searched
from clearinghouse.services.use_cases.match_queries import parse_queries
from clearinghouse.services.use_cases.match_query import Query
from clearinghouse.signals.dihedral import dihedral_variants
from clearinghouse.signals.tmk import read_tmk
from clearinghouse.signals.types import Signal, TmkType
from clearinghouse.store.state_pages import state_page
from clearinghouse.wire import b64decode

if TYPE_CHECKING:
    from clearinghouse.bootstrap import Root

__all__ = ["Matcher", "Query", "match", "parse_queries"]

log = logging.getLogger("clearinghouse.matching")
PAGE = 50_000
# A new generation after this many applied changes (each process's delta stays about
# this small: its fresh part is scanned flat) …
SNAPSHOT_CHANGES = 20_000
SNAPSHOT_SECONDS = 120.0  # … or this long after the last one, if anything changed


class Matcher(FollowsGenerations):
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
            # vPDQ frame lists, TMK files and SHA-512 (wider than a state row) stay text.
            text = kind.index_kind in ("vpdq", "tmk") or kind.nbits > 256
            self._widths[name] = 0 if text else kind.nbits // 8
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
            elif isinstance(kind, TmkType):
                self.indexes[name] = TmkIndex(**_tmk_options(kind))
                self._options[name] = _tmk_options(kind)
            else:
                pct = {"query_match_pct": kind.query_match_pct}
                pct["index_match_pct"] = kind.index_match_pct
                pct["frame_candidates"] = root.settings.vpdq_max_candidates_per_frame
                self.indexes[name] = VpdqIndex(**pct)
                self._options[name] = pct
            if kind.index_kind in ("hamming", "vpdq"):
                # A mapped main part is never rebuilt in a worker: the next generation
                # folds the delta in, once for the host.
                self._options[name]["auto_compact"] = False
        self.states = SignalStates(self._widths)
        self.regions = RegionAliases()  # PDQ region codes, aliases of their signals

    # -- following the database -------------------------------------------------------

    def load(self) -> None:
        """Map the published snapshot generation and replay only the changes after it;
        without a usable one, read everything from the database and publish one."""
        generation = self._open_generation()
        if generation is not None:
            # Region aliases stay in process memory, read whole from the database.
            aliases.load_all(self.root.db, self.regions)
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
            apply_page(indexes, page, self._code)
            aliases.apply_page(self.root.db, self.regions, page)  # idempotent, shared by views
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
        if signal_type == "tmk":
            return read_tmk(b64decode(value))
        return bytes.fromhex(value)

    def snapshot_due(self) -> bool:
        """Publish a new generation after many changes, or now and then after a few, so
        the per-process deltas stay small and a restart replays little."""
        if self._changes_since_save >= SNAPSHOT_CHANGES:
            return True
        return self._changes_since_save > 0 and (
            time.monotonic() - self._saved_at >= SNAPSHOT_SECONDS
        )

    # -- lookups ------------------------------------------------------------------------

    def search_many(self, queries: list[Query], limit: int | None = None) -> list[Matches]:
        """The ``limit`` nearest matches of each query and their total count; queries of one
        type and distance go to the index as one batch, spread over the cores."""
        out: list[Matches] = [_NO_MATCHES] * len(queries)
        groups: dict[tuple[str, int, tuple[float, float] | None], list[int]] = {}
        for n, q in enumerate(queries):
            groups.setdefault((q.signal.signal_type, q.max_distance, q.thresholds), []).append(n)
        for (signal_type, max_distance, thresholds), members in groups.items():
            values = [_index_value(queries[n].signal) for n in members]
            index = self.indexes[signal_type]
            if thresholds is not None:
                hits = index.search_many(
                    values,
                    max_distance,
                    limit=limit,
                    level1_threshold=thresholds[0],
                    level2_threshold=thresholds[1],
                )
            else:
                hits = index.search_many(values, max_distance, limit=limit)
            if signal_type == "pdq":
                hits = aliases.with_regions(self.regions, values, max_distance, limit, hits)
            for n, found in zip(members, hits, strict=True):
                out[n] = found
        return out

    def search(self, query: Query) -> list[tuple[int, int]]:
        """``(signal_id, distance)`` of every indexed signal within the query's distance."""
        return self.search_many([query])[0].pairs()


_NO_MATCHES = Matches(np.empty(0, np.int64), np.empty(0, np.int32), 0)


def _tmk_options(kind: object) -> dict[str, float]:
    assert isinstance(kind, TmkType)
    return {"level1_threshold": kind.level1_threshold, "level2_threshold": kind.level2_threshold}


def _index_value(signal: Signal) -> object:
    """A query's value in the form its index takes: bytes, or vPDQ's frame matrix."""
    if signal.signal_type == "vpdq":
        return np.frombuffer(signal.to_bytes(), np.uint8).reshape(-1, 32)
    if signal.signal_type == "tmk":
        return signal.value
    return signal.to_bytes()


def match(root: Root, matcher: Matcher, queries: list[Query], dihedral: bool) -> dict:
    """Answer queries in order; each match carries the signal's current state."""
    check_work(root.settings, queries, dihedral)
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
    via: list[dict[int, str]] = [{} for _ in queries]  # "region" when only a region matched
    scores: list[dict[int, tuple[float, float]]] = [{} for _ in queries]  # TMK level 1, 2
    totals = [0] * len(queries)  # matches within the distance, kept or not
    cut = [False] * len(queries)  # some form of the query had more than the limit
    for n, hits in zip(owners, searched(matcher.search_many, variants, limit), strict=True):
        best = found[n]
        if isinstance(hits, TmkMatches):
            levels = zip(hits.level1.tolist(), hits.level2.tolist(), strict=True)
            scores[n].update(zip(hits.ids.tolist(), levels, strict=True))
        aliases.merge_hits(best, via[n], hits)
        totals[n] = max(totals[n], hits.total)
        cut[n] = cut[n] or hits.truncated
    kept = [sorted(best.items(), key=lambda kv: (kv[1], kv[0]))[:limit] for best in found]
    ids = sorted({sid for pairs in kept for sid, _ in pairs})
    shown = matcher.states.describe_many(ids, root.settings.confirm_threshold) if ids else {}
    root.incidents.mark(shown)  # matches of active incidents' signals say so
    matcher.counters["requests"] += 1
    matcher.counters["queries"] += len(queries)
    matcher.counters["queries_with_matches"] += sum(1 for best in found if best)
    results = []
    for n, pairs in enumerate(kept):
        result: dict = {
            "matches": [
                {**shown[sid], "distance": dist, "via": via[n].get(sid, "signal")}
                | _scores(scores[n].get(sid))
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


def _scores(levels: tuple[float, float] | None) -> dict[str, float]:
    """A TMK match's two scores, as the reference prints them (6 decimals)."""
    if levels is None:
        return {}
    return {"level1_score": round(levels[0], 6), "level2_score": round(levels[1], 6)}
