"""In-memory fakes of what a lookup reads: an index set that scans every value (the slow,
obviously correct twin of ``IndexSet``), region aliases that scan theirs, and signal
states held as plain dicts. No faiss, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from clearinghouse.signals.registry import SignalRegistry, default_registry
from clearinghouse.signals.types import Signal, SignalType


@dataclass(frozen=True)
class FakeMatches:
    """What ``Matches`` offers a lookup: the kept pairs, the total and the cut."""

    kept: list[tuple[int, int]]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.kept)

    def pairs(self) -> list[tuple[int, int]]:
        return list(self.kept)


@dataclass(frozen=True)
class FakeTmkMatches(FakeMatches):
    """TMK matches: ``Matches`` with each kept signal's two scores."""

    level1: np.ndarray = field(default_factory=lambda: np.empty(0))
    level2: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def ids(self) -> np.ndarray:
        return np.asarray([sid for sid, _ in self.kept], np.int64)

    def match_scores(self) -> dict[int, dict[str, float]]:
        return {
            sid: {"level1_score": round(float(a), 6), "level2_score": round(float(b), 6)}
            for sid, a, b in zip(self.ids.tolist(), self.level1, self.level2, strict=True)
        }


def _distance(kind: SignalType, a: Signal, b: Signal) -> int:
    return kind.distance(a, b)  # type: ignore[attr-defined]  # Hamming and exact types


class ScanningIndexSet:
    """Every indexed signal compared with every query; records each batch it is asked."""

    def __init__(self, registry: SignalRegistry | None = None) -> None:
        self.registry = registry or default_registry()
        self.signals: dict[str, dict[int, Signal]] = {}
        self.batches: list[tuple[str, int, int]] = []  # (type, max_distance, queries)
        # TMK: each indexed signal's (level 1, level 2) scores against any query.
        self.scores: dict[int, tuple[float, float]] = {}
        self.failure: Exception | None = None  # raised by the next search, if set

    def add(self, sid: int, signal: Signal) -> None:
        self.signals.setdefault(signal.signal_type, {})[sid] = signal

    def kind(self, signal_type: str) -> SignalType:
        return self.registry.get(signal_type)

    def search_many(
        self,
        signal_type: str,
        signals: Sequence[Signal],
        max_distance: int,
        *,
        limit=None,
        thresholds: tuple[float, float] | None = None,
    ) -> list[FakeMatches]:
        self.batches.append((signal_type, max_distance, len(signals)))
        if self.failure is not None:
            raise self.failure
        if thresholds is not None:
            return [self._scored(signal_type, thresholds, limit) for _ in signals]
        kind = self.kind(signal_type)
        held = self.signals.get(signal_type, {})
        out = []
        for query in signals:
            found = sorted(
                (d, sid)
                for sid, s in held.items()
                if (d := _distance(kind, query, s)) <= max_distance
            )
            end = len(found) if limit is None else limit
            out.append(FakeMatches([(sid, d) for d, sid in found[:end]], len(found)))
        return out

    def _scored(self, signal_type: str, thresholds: tuple[float, float], limit) -> FakeMatches:
        """Every signal whose two scores reach the thresholds, best level 2 first."""
        found = sorted(
            (round(1000 * (1 - two)), sid)
            for sid in self.signals.get(signal_type, {})
            for one, two in [self.scores[sid]]
            if one >= thresholds[0] and two >= thresholds[1]
        )
        kept = [(sid, d) for d, sid in found[: len(found) if limit is None else limit]]
        level1 = np.asarray([self.scores[sid][0] for sid, _ in kept])
        level2 = np.asarray([self.scores[sid][1] for sid, _ in kept])
        return FakeTmkMatches(kept, len(found), level1, level2)


class ScanningRegions:
    """Region codes (bytes) of signals, every one compared with every query value."""

    def __init__(self) -> None:
        self.codes: dict[int, list[bytes]] = {}

    def __len__(self) -> int:
        return sum(len(c) for c in self.codes.values())

    def search_many(self, values: Sequence[bytes], max_distance: int) -> list[FakeMatches]:
        out = []
        for value in values:
            nearest = {}
            for sid, codes in self.codes.items():
                d = min(_bits(value, code) for code in codes)
                if d <= max_distance:
                    nearest[sid] = d
            found = sorted(nearest.items(), key=lambda kv: (kv[1], kv[0]))
            out.append(FakeMatches(found, len(found)))
        return out


def _bits(a: bytes, b: bytes) -> int:
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=True))


class DictStates:
    """Signal states as dicts: what ``SignalStates.describe_many`` shows, by id."""

    def __init__(self) -> None:
        self.held: dict[int, dict] = {}
        self.asked: list[list[int]] = []

    def hold(self, sid: int, signal: Signal, status: str = "active", contributors: int = 1):
        self.held[sid] = {
            "signal_id": sid,
            "signal_type": signal.signal_type,
            "value": signal.to_wire()["value"],
            "status": status,
            "contributors": contributors,
        }

    def describe_many(self, ids: Sequence[int], confirm_threshold: int) -> dict[int, dict]:
        self.asked.append(list(ids))
        return {
            i: {**self.held[i], "confirmed": self.held[i]["contributors"] >= confirm_threshold}
            for i in ids
            if i in self.held
        }
