"""The indexes of one process, one per signal type, as one set (DESIGN §5).

One map from signal type to its ``IndexFactory`` — how that type's index is made empty
and read back from its snapshot — serves building, loading and saving alike, so nothing
outside ``signals/`` and ``index/`` asks which kind of index a type has. A factory also
carries the type itself, whose value forms (``SignalType.index_value`` for a parsed
signal, ``stored_index_value`` for the database's text) turn values into what the index
takes.

Which kind of index serves a type is ``INDEX_KINDS[kind.index_kind]``; a new kind of
index is one more entry there, a new signal type one more type in ``signals/``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from clearinghouse.index.exact import ExactIndex
from clearinghouse.index.generations import Generation, Part
from clearinghouse.index.hamming import HammingIndex
from clearinghouse.index.protocol import Matches, SignalIndex
from clearinghouse.index.snapshot import SnapshotError, check_snapshot
from clearinghouse.index.tmk import TmkIndex
from clearinghouse.index.vpdq import VpdqIndex
from clearinghouse.signals.registry import SignalRegistry
from clearinghouse.signals.types import Signal, SignalType, TmkType, VpdqType

__all__ = ["INDEX_KINDS", "IndexFactory", "IndexOptions", "IndexSet", "part_name"]

log = logging.getLogger("clearinghouse.matching")


@dataclass(frozen=True)
class IndexOptions:
    """What a deployment sets for every index beyond the signal types themselves."""

    # vPDQ: indexed frames a query frame may find within the distance before the search
    # is refused (TooManyCandidates); None for no bound.
    frame_candidates: int | None = None


@dataclass(frozen=True)
class IndexFactory:
    """How one signal type's index is made: empty (``new``), from the snapshot file at a
    path (``load`` → the index and the change position it reflects; SnapshotError,
    OSError or ValueError when the file cannot serve), or over the arrays of a mapped
    generation part (``mapped``, SnapshotError when they do not fit); and the arrays of
    its generation part, delta and tombstones folded in (``folded``)."""

    kind: SignalType
    part_kind: str  # the kind a generation part of this index is written with
    new: Callable[[], SignalIndex]
    load: Callable[[Path], tuple[SignalIndex, int]]
    mapped: Callable[[dict[str, np.ndarray], dict[str, Any]], SignalIndex]
    folded: Callable[[Any], tuple[dict[str, np.ndarray], dict[str, Any]]]


def _hamming(kind: SignalType, options: IndexOptions) -> IndexFactory:
    # PDQ is tuned for its default distance (31; larger ones scan, still exact); the
    # 64-bit types for their whole range, which stays small.
    tuned = kind.default_max_distance if kind.nbits == 256 else kind.max_distance_ceiling
    # A mapped main part is never rebuilt in a worker: the next generation folds the
    # delta in, once for the host.
    shared = {"nbits": kind.nbits, "tuned_distance": tuned, "auto_compact": False}
    return IndexFactory(
        kind,
        "hamming",
        lambda: HammingIndex(kind.nbits, tuned_distance=tuned),
        HammingIndex.load,
        lambda arrays, meta: HammingIndex.from_snapshot_arrays(arrays, meta, **shared),
        lambda index: index.folded_snapshot_arrays(),
    )


def _exact(kind: SignalType, options: IndexOptions) -> IndexFactory:
    nbytes = kind.nbits // 8
    return IndexFactory(
        kind,
        "exact",
        lambda: ExactIndex(nbytes),
        ExactIndex.load,
        lambda arrays, meta: ExactIndex.from_snapshot_arrays(arrays, meta, nbytes=nbytes),
        lambda index: index.snapshot_arrays(),
    )


def _vpdq(kind: SignalType, options: IndexOptions) -> IndexFactory:
    if not isinstance(kind, VpdqType):
        raise TypeError(f"{kind.name}: the vpdq index serves vPDQ types only")
    made: dict[str, Any] = {
        "query_match_pct": kind.query_match_pct,
        "index_match_pct": kind.index_match_pct,
        "frame_candidates": options.frame_candidates,
    }
    shared = {**made, "auto_compact": False}
    return IndexFactory(
        kind,
        "vpdq",
        lambda: VpdqIndex(**made),
        lambda path: VpdqIndex.load(path, **made),
        lambda arrays, meta: VpdqIndex.from_snapshot_arrays(arrays, meta, **shared),
        lambda index: index.snapshot_arrays(folded=True),
    )


def _tmk(kind: SignalType, options: IndexOptions) -> IndexFactory:
    if not isinstance(kind, TmkType):
        raise TypeError(f"{kind.name}: the tmk index serves TMK types only")
    made = {"level1_threshold": kind.level1_threshold, "level2_threshold": kind.level2_threshold}
    return IndexFactory(
        kind,
        "tmk",
        lambda: TmkIndex(**made),
        lambda path: TmkIndex.load(path, **made),
        lambda arrays, meta: TmkIndex.from_snapshot_arrays(arrays, meta, **made),
        lambda index: index.snapshot_arrays(),
    )


# Index kind (``SignalType.index_kind``) → the factory of a type's index.
INDEX_KINDS: Mapping[str, Callable[[SignalType, IndexOptions], IndexFactory]] = {
    "hamming": _hamming,
    "exact": _exact,
    "vpdq": _vpdq,
    "tmk": _tmk,
}


class IndexSet:
    """One index per signal type, made, fed, searched, saved and loaded as one.

    Thread safety is each index's own (``SignalIndex``): lookups run alongside one
    writer. ``load`` replaces the indexes whole and is meant for start-up.
    """

    def __init__(
        self,
        factories: Mapping[str, IndexFactory],
        indexes: Mapping[str, SignalIndex] | None = None,
    ) -> None:
        """The set of ``factories``, each index empty unless given in ``indexes``."""
        self.factories = dict(factories)
        given = indexes or {}
        self._indexes: dict[str, SignalIndex] = {
            n: given[n] if n in given else f.new() for n, f in self.factories.items()
        }

    @classmethod
    def for_registry(
        cls,
        registry: SignalRegistry,
        options: IndexOptions = IndexOptions(),  # frozen, shared safely
        kinds: Mapping[str, Callable[[SignalType, IndexOptions], IndexFactory]] = INDEX_KINDS,
    ) -> IndexSet:
        """The set for every type of ``registry``, each served by its kind's factory."""
        return cls(
            {n: kinds[registry.get(n).index_kind](registry.get(n), options) for n in registry}
        )

    def empty(self) -> IndexSet:
        """A set of the same factories with every index empty."""
        return IndexSet(self.factories)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._indexes)

    def __contains__(self, signal_type: object) -> bool:
        return signal_type in self._indexes

    def __getitem__(self, signal_type: str) -> SignalIndex:
        return self._indexes[signal_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._indexes)

    def kind(self, signal_type: str) -> SignalType:
        """The type an index of the set serves (KeyError for a type it does not hold)."""
        return self.factories[signal_type].kind

    def sizes(self) -> dict[str, int]:
        """Ids indexed, by signal type."""
        return {name: len(index) for name, index in self._indexes.items()}

    @property
    def memory_bytes(self) -> int:
        return sum(index.memory_bytes for index in self._indexes.values())

    # -- feeding ------------------------------------------------------------------------

    def apply(
        self,
        ids: Sequence[int],
        types: Sequence[str],
        values: Sequence[str],
        statuses: Sequence[str],
    ) -> None:
        """Index each active signal's stored value under its id and drop every other one
        (signals of types the set does not hold are skipped). Requires each id at most
        once, as a change page holds it (its state now)."""
        adds: dict[str, tuple[list[int], list[object]]] = {}
        removes: dict[str, list[int]] = {}
        for sid, signal_type, value, status in zip(ids, types, values, statuses, strict=True):
            factory = self.factories.get(signal_type)
            if factory is None:
                continue
            if status == "active":
                add_ids, codes = adds.setdefault(signal_type, ([], []))
                add_ids.append(sid)
                codes.append(factory.kind.stored_index_value(value))
            else:
                removes.setdefault(signal_type, []).append(sid)
        for signal_type, gone in removes.items():
            self._indexes[signal_type].remove(np.asarray(gone, np.int64))
        for signal_type, (add_ids, codes) in adds.items():
            self._indexes[signal_type].add(add_ids, codes)

    # -- searching ----------------------------------------------------------------------

    def search_many(
        self,
        signal_type: str,
        signals: Sequence[Signal],
        max_distance: int,
        *,
        limit: int | None = None,
        thresholds: tuple[float, float] | None = None,
    ) -> list[Matches]:
        """The matches of each signal of ``signal_type``, in order (``SignalIndex``);
        ``thresholds`` are a TMK lookup's own (level 1, level 2)."""
        kind = self.factories[signal_type].kind
        values = [kind.index_value(s) for s in signals]
        index = self._indexes[signal_type]
        if thresholds is None:
            return index.search_many(values, max_distance, limit=limit)
        level1, level2 = thresholds
        return index.search_many(  # type: ignore[call-arg]  # TmkIndex's own options
            values, max_distance, limit=limit, level1_threshold=level1, level2_threshold=level2
        )

    def values_of(self, signal_type: str, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The value each of ``ids`` is indexed under in ``signal_type``'s index and whether
        it is: (rows of the type's value bytes, found). Requires a type of fixed-size
        values (a Hamming or exact index)."""
        return self._indexes[signal_type].values_of(ids)  # type: ignore[attr-defined]

    # -- snapshots ----------------------------------------------------------------------

    def load(self, directory: Path) -> int | None:
        """Load every type's snapshot from ``directory`` (one file per type, named after
        it) and return their common position; None, changing nothing, unless every file
        is there, readable and at the same position."""
        loaded: dict[str, SignalIndex] = {}
        positions = set()
        for name, factory in self.factories.items():
            path = directory / name
            if not path.exists():
                return None
            try:
                loaded[name], position = factory.load(path)
            except (SnapshotError, OSError, ValueError) as exc:
                log.warning("index snapshot %s not used, rebuilding: %s", path, exc)
                return None
            positions.add(position)
        if len(positions) != 1:
            log.warning("index snapshots disagree on their position; rebuilding")
            return None
        self._indexes.update(loaded)
        return positions.pop()

    def save(self, directory: Path, position: int) -> None:
        """Write every type's snapshot at ``position`` into ``directory``; raises
        SnapshotBusy (without waiting) when another process is writing them."""
        directory.mkdir(parents=True, exist_ok=True)
        for name, index in self._indexes.items():
            index.save(directory / name, position, wait=False)

    # -- snapshot generations (index/generations.py) ----------------------------------

    def generation_parts(self) -> dict[str, Part]:
        """Every index folded (no delta, no tombstones), as parts of a new generation."""
        parts = {}
        for name, index in self._indexes.items():
            factory = self.factories[name]
            arrays, meta = factory.folded(index)
            parts[part_name(name)] = Part(factory.part_kind, arrays, dict(meta))
        return parts

    def from_generation(self, generation: Generation) -> IndexSet:
        """A set of the same factories over the parts of a mapped generation (used in
        place, read-only); SnapshotError if a part is missing or does not fit."""
        indexes: dict[str, SignalIndex] = {}
        for name, factory in self.factories.items():
            part = generation.parts.get(part_name(name))
            check_snapshot(
                part is not None and part.kind == factory.part_kind, f"no {name} index part"
            )
            assert part is not None
            try:
                indexes[name] = factory.mapped(part.arrays, part.meta)
            except (KeyError, TypeError, ValueError) as exc:
                raise SnapshotError(f"{name} index part unusable: {exc}") from exc
        return IndexSet(self.factories, indexes)


def part_name(signal_type: str) -> str:
    """The name of a signal type's index part in a generation."""
    return f"index-{signal_type}"
