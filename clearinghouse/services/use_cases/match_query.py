"""One lookup query, parsed: the signal, its distance and (TMK) its thresholds."""

from __future__ import annotations

from dataclasses import dataclass

from clearinghouse.signals.types import Signal

__all__ = ["Query"]


@dataclass(frozen=True)
class Query:
    signal: Signal
    max_distance: int
    thresholds: tuple[float, float] | None = None  # TMK: (level 1, level 2)
