"""The matching view of a process as snapshot generation parts, and back (DESIGN §16).

One generation (``index/generations.py``) holds every signal type's index, folded (no
delta, no tombstones), and the signal states. Every worker process of a host maps the
same files, so their memory is paid once per host: the Hamming indexes (PDQ, the 64-bit
image hashes, vPDQ frames) and the states are used in place from the mapping — the
indexes read-only, the states copy-on-write (an update changes this process's copy of
the touched pages only) — while the digest indexes (MD5, SHA-256, SHA-512), small
beside them, and TMK (its level-2 features are per-video Python arrays) are read into
each process. What changed after the generation's position lives in each
process's delta (the Hamming index's fresh part and tombstones, the states' private
pages) until the next generation folds it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from clearinghouse.index import ExactIndex, HammingIndex, TmkIndex, VpdqIndex
from clearinghouse.index.generations import Generation, Part
from clearinghouse.index.snapshot import SnapshotError, check_snapshot
from clearinghouse.services.adapters.signal_states import SignalStates
from clearinghouse.store.state_pages import StatePage

__all__ = ["STATES_PART", "MatchingView", "apply_page", "generation_parts", "view_of"]

STATES_PART = "states"
_KINDS = {HammingIndex: "hamming", ExactIndex: "exact", VpdqIndex: "vpdq", TmkIndex: "tmk"}


@dataclass(frozen=True)
class MatchingView:
    """One signal type's index each, and the states of every signal they hold."""

    indexes: dict[str, Any]
    states: SignalStates


def _part_name(signal_type: str) -> str:
    return f"index-{signal_type}"


def generation_parts(view: MatchingView) -> dict[str, Part]:
    """Every index folded, and the states, as the parts of a new generation."""
    parts = {}
    for signal_type, index in view.indexes.items():
        if isinstance(index, HammingIndex):
            arrays, meta = index.folded_snapshot_arrays()
        elif isinstance(index, VpdqIndex):
            arrays, meta = index.snapshot_arrays(folded=True)
        else:
            arrays, meta = index.snapshot_arrays()
        parts[_part_name(signal_type)] = Part(_KINDS[type(index)], arrays, dict(meta))
    arrays, meta = view.states.snapshot_arrays()
    parts[STATES_PART] = Part("states", arrays, meta)
    return parts


def view_of(
    generation: Generation,
    empty: Mapping[str, Any],
    options: Mapping[str, dict[str, Any]],
    value_widths: Mapping[str, int],
) -> MatchingView:
    """The view over a mapped generation, with an index of the same class as each of
    ``empty`` built with ``options[signal_type]``; SnapshotError if it does not fit."""
    indexes = {}
    for signal_type, like in empty.items():
        part = generation.parts.get(_part_name(signal_type))
        kind = _KINDS.get(type(like))
        check_snapshot(part is not None and part.kind == kind, f"no {signal_type} index part")
        opts = options.get(signal_type, {})
        try:
            indexes[signal_type] = type(like).from_snapshot_arrays(part.arrays, part.meta, **opts)
        except (KeyError, TypeError, ValueError) as exc:
            raise SnapshotError(f"{signal_type} index part unusable: {exc}") from exc
    part = generation.parts.get(STATES_PART)
    check_snapshot(part is not None and part.kind == "states", "no states part")
    try:
        states = SignalStates.from_snapshot_arrays(value_widths, part.arrays, part.meta)
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"states part unusable: {exc}") from exc
    return MatchingView(indexes, states)


def apply_page(indexes: dict[str, Any], page: StatePage, code) -> None:
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
