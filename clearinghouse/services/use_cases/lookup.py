"""A lookup (DESIGN §5) as a function of what it reads: the indexes (an ``IndexSet``),
the state each signal is shown with, the limits of a request, and the parsed queries.

Each query is searched in each of its forms (``SignalType.query_forms``: the dihedral
variants of a PDQ); the forms of one type, distance and thresholds go to the index as
one batch. A type with regions (``SignalType.has_regions``) is searched beside its
region aliases. A query's answer is the nearest distance per signal over its forms,
ordered by distance then signal id, cut to the per-query limit and said to be cut
(``truncated``, ``total``). Nothing here touches the database or a web request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from clearinghouse.services.adapters.region_aliases import merge_hits, with_regions
from clearinghouse.services.use_cases.lookup_limits import LookupLimits, check_work, searched
from clearinghouse.services.use_cases.match_query import Query
from clearinghouse.signals.types import Signal, SignalType

__all__ = ["Answer", "Searchable", "ShownStates", "match", "search_forms"]


class Searchable(Protocol):
    """What a lookup asks of the indexes (``IndexSet``)."""

    def kind(self, signal_type: str) -> SignalType: ...

    def search_many(
        self, signal_type: str, signals: Sequence[Signal], max_distance: int, **options: Any
    ) -> list[Any]: ...


class ShownStates(Protocol):
    """What a lookup asks of the signal states (``SignalStates``)."""

    def describe_many(self, ids: Sequence[int], confirm_threshold: int) -> dict[int, dict]: ...


@dataclass(frozen=True)
class Answer:
    """The results of a lookup, in query order, and how many queries found anything."""

    results: list[dict]
    matched: int

    def to_wire(self) -> dict:
        return {"results": self.results}


def search_forms(
    index_set: Searchable,
    queries: Sequence[Query],
    limit: int | None = None,
    regions: Any = None,
) -> list[Any]:
    """The ``limit`` nearest matches of each query and their total count; queries of one
    type, distance and thresholds go to the index as one batch. ``regions``: the region
    aliases searched beside the types that have them (None: none)."""
    out: list[Any] = [None] * len(queries)
    groups: dict[tuple[str, int, tuple[float, float] | None], list[int]] = {}
    for n, q in enumerate(queries):
        groups.setdefault((q.signal.signal_type, q.max_distance, q.thresholds), []).append(n)
    for (signal_type, max_distance, thresholds), members in groups.items():
        signals = [queries[n].signal for n in members]
        options: dict[str, Any] = {"limit": limit}
        if thresholds is not None:
            options["thresholds"] = thresholds
        hits = index_set.search_many(signal_type, signals, max_distance, **options)
        kind = index_set.kind(signal_type)
        if regions is not None and len(regions) and kind.has_regions:
            values = [kind.index_value(s) for s in signals]
            hits = with_regions(regions, values, max_distance, limit, hits)
        for n, found in zip(members, hits, strict=True):
            out[n] = found
    return out


def match(
    index_set: Searchable,
    states: ShownStates,
    limits: LookupLimits,
    queries: Sequence[Query],
    *,
    dihedral: bool = False,
    regions: Any = None,
    mark: Callable[[dict[int, dict]], None] | None = None,
) -> Answer:
    """Answer ``queries`` in order; each match carries its signal's current state.

    LimitExceeded (422) before any search when the request is over its work budget, or
    when a vPDQ query frame finds too many candidates. ``mark`` is handed the states
    shown, to add what else a match says (the active incidents a signal is part of)."""
    check_work(limits, queries, dihedral, index_set.kind)
    variants: list[Query] = []
    owners: list[int] = []  # which query each variant answers
    for n, q in enumerate(queries):
        forms = index_set.kind(q.signal.signal_type).query_forms(q.signal, dihedral)
        variants.extend(Query(s, q.max_distance, q.thresholds) for s in forms)
        owners.extend([n] * len(forms))
    limit = limits.max_matches_per_query
    found: list[dict[int, int]] = [{} for _ in queries]
    via: list[dict[int, str]] = [{} for _ in queries]  # "region" when only a region matched
    scores: list[dict[int, dict]] = [{} for _ in queries]  # TMK scores, vPDQ frame shares
    totals = [0] * len(queries)  # matches within the distance, kept or not
    cut = [False] * len(queries)  # some form of the query had more than the limit
    hits_of = searched(search_forms, index_set, variants, limit, regions)
    for n, hits in zip(owners, hits_of, strict=True):
        match_scores = getattr(hits, "match_scores", None)  # TMK and vPDQ say more
        if match_scores is not None:
            scores[n].update(match_scores())
        merge_hits(found[n], via[n], hits)
        totals[n] = max(totals[n], hits.total)
        cut[n] = cut[n] or hits.truncated
    kept = [sorted(best.items(), key=lambda kv: (kv[1], kv[0]))[:limit] for best in found]
    ids = sorted({sid for pairs in kept for sid, _ in pairs})
    shown = states.describe_many(ids, limits.confirm_threshold) if ids else {}
    if mark is not None:
        mark(shown)
    results = []
    for n, pairs in enumerate(kept):
        result: dict = {
            "matches": [
                _match(index_set, shown[sid], dist, via[n].get(sid, "signal"), scores[n])
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
    return Answer(results, sum(1 for best in found if best))


def _match(index_set: Searchable, shown: dict, distance: int, via: str, scores: dict) -> dict:
    """One match as answered: the signal's state, its distance and how it was found, what
    its index says beyond the distance — and its value only when the type repeats it (a
    video's frame list is not: the frame shares say what a pipeline acts on)."""
    match = {**shown, "distance": distance, "via": via, **scores.get(shown["signal_id"], {})}
    if not index_set.kind(shown["signal_type"]).value_in_matches:
        match.pop("value", None)
    return match
