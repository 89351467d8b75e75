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

import numpy as np

from clearinghouse.index.exact import ExactIndex
from clearinghouse.index.hamming import HammingIndex
from clearinghouse.index.protocol import Matches, SignalIndex
from clearinghouse.index.snapshot import SnapshotError
from clearinghouse.index.tmk import TmkIndex
from clearinghouse.index.vpdq import VpdqIndex
from clearinghouse.signals.registry import SignalRegistry
from clearinghouse.signals.types import Signal, SignalType, TmkType, VpdqType

__all__ = ["INDEX_KINDS", "IndexFactory", "IndexSet"]

log = logging.getLogger("clearinghouse.matching")


@dataclass(frozen=True)
class IndexFactory:
    """How one signal type's index is made: empty (``new``) or from the snapshot at a
    path (``load`` → the index and the change position it reflects; SnapshotError,
    OSError or ValueError when the file cannot serve)."""

    kind: SignalType
    new: Callable[[], SignalIndex]
    load: Callable[[Path], tuple[SignalIndex, int]]


def _hamming(kind: SignalType) -> IndexFactory:
    # PDQ is tuned for its default distance (31; larger ones scan, still exact); the
    # 64-bit types for their whole range, which stays small.
    tuned = kind.default_max_distance if kind.nbits == 256 else kind.max_distance_ceiling
    return IndexFactory(
        kind, lambda: HammingIndex(kind.nbits, tuned_distance=tuned), HammingIndex.load
    )


def _exact(kind: SignalType) -> IndexFactory:
    return IndexFactory(kind, lambda: ExactIndex(kind.nbits // 8), ExactIndex.load)


def _vpdq(kind: SignalType) -> IndexFactory:
    if not isinstance(kind, VpdqType):
        raise TypeError(f"{kind.name}: the vpdq index serves vPDQ types only")
    options = {"query_match_pct": kind.query_match_pct, "index_match_pct": kind.index_match_pct}
    return IndexFactory(
        kind, lambda: VpdqIndex(**options), lambda path: VpdqIndex.load(path, **options)
    )


def _tmk(kind: SignalType) -> IndexFactory:
    if not isinstance(kind, TmkType):
        raise TypeError(f"{kind.name}: the tmk index serves TMK types only")
    options = {
        "level1_threshold": kind.level1_threshold,
        "level2_threshold": kind.level2_threshold,
    }
    return IndexFactory(
        kind, lambda: TmkIndex(**options), lambda path: TmkIndex.load(path, **options)
    )


# Index kind (``SignalType.index_kind``) → the factory of a type's index.
INDEX_KINDS: Mapping[str, Callable[[SignalType], IndexFactory]] = {
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

    def __init__(self, factories: Mapping[str, IndexFactory]) -> None:
        self.factories = dict(factories)
        self._indexes: dict[str, SignalIndex] = {n: f.new() for n, f in self.factories.items()}

    @classmethod
    def for_registry(
        cls,
        registry: SignalRegistry,
        kinds: Mapping[str, Callable[[SignalType], IndexFactory]] = INDEX_KINDS,
    ) -> IndexSet:
        """The set for every type of ``registry``, each served by its kind's factory."""
        return cls({n: kinds[registry.get(n).index_kind](registry.get(n)) for n in registry})

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
