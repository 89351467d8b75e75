"""The matching view of a process as snapshot generation parts, and back (DESIGN §16).

One generation (``index/generations.py``) holds every signal type's index, folded (no
delta, no tombstones), and the signal states. Every worker process of a host maps the
same files, so their memory is paid once per host: the Hamming indexes (PDQ, the 64-bit
image hashes, vPDQ frames) and the states are used in place from the mapping — the
indexes read-only, the states copy-on-write (an update changes this process's copy of
the touched pages only) — while the digest indexes (MD5, SHA-256, SHA-512), small
beside them, and TMK (its level-2 features are per-video Python arrays) are read into
each process. The states of the generation hold no fixed-size values: they read an
active signal's value from the same generation's index of its type. What changed
after the generation's position lives in each process's delta (the Hamming index's
fresh part and tombstones, the states' private pages) until the next generation folds
it in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from clearinghouse.index import IndexSet
from clearinghouse.index.generations import Generation, Part
from clearinghouse.index.snapshot import SnapshotError, check_snapshot
from clearinghouse.services.adapters.signal_states import SignalStates

__all__ = ["STATES_PART", "MatchingView", "generation_parts", "view_of"]

STATES_PART = "states"


@dataclass(frozen=True)
class MatchingView:
    """One signal type's index each, and the states of every signal they hold."""

    index_set: IndexSet
    states: SignalStates


def generation_parts(view: MatchingView) -> dict[str, Part]:
    """Every index folded, and the states, as the parts of a new generation."""
    parts = view.index_set.generation_parts()
    arrays, meta = view.states.snapshot_arrays()
    parts[STATES_PART] = Part("states", arrays, meta)
    return parts


def view_of(
    generation: Generation,
    like: IndexSet,
    value_widths: Mapping[str, int],
    wire_values: Mapping[str, Callable[[str], object]] | None = None,
) -> MatchingView:
    """The view over a mapped generation, with indexes made by the factories of
    ``like`` and states of ``value_widths`` and ``wire_values`` (``SignalStates``);
    SnapshotError if it does not fit."""
    index_set = like.from_generation(generation)
    part = generation.parts.get(STATES_PART)
    check_snapshot(part is not None and part.kind == "states", "no states part")
    try:
        states = SignalStates.from_snapshot_arrays(
            value_widths, part.arrays, part.meta, index_set.values_of, wire_values
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"states part unusable: {exc}") from exc
    return MatchingView(index_set, states)
