"""In-memory fakes of what a lookup reads: an index set that scans every value (the slow,
obviously correct twin of ``IndexSet``) and signal states held as plain dicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


def _distance(kind: SignalType, a: Signal, b: Signal) -> int:
    return kind.distance(a, b)  # type: ignore[attr-defined]  # Hamming and exact types


class ScanningIndexSet:
    """Every indexed signal compared with every query; records each batch it is asked."""

    def __init__(self, registry: SignalRegistry | None = None) -> None:
        self.registry = registry or default_registry()
        self.signals: dict[str, dict[int, Signal]] = {}
        self.batches: list[tuple[str, int, int]] = []  # (type, max_distance, queries)

    def add(self, sid: int, signal: Signal) -> None:
        self.signals.setdefault(signal.signal_type, {})[sid] = signal

    def kind(self, signal_type: str) -> SignalType:
        return self.registry.get(signal_type)

    def search_many(
        self, signal_type: str, signals: Sequence[Signal], max_distance: int, *, limit=None
    ) -> list[FakeMatches]:
        self.batches.append((signal_type, max_distance, len(signals)))
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
