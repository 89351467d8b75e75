"""The work one lookup request may cost (issue #20.1), checked before and during the search.

Size limits alone do not bound a lookup: a vPDQ query of 1,000 frames against a dense
index asks for up to a million candidate frames. So every request is measured in codes
searched — a PDQ or 64-bit query is one code (eight with ``dihedral``), a vPDQ query one
per frame — and refused before any search when over ``CLEARINGHOUSE_MATCH_MAX_CODES``;
and each vPDQ query frame may find at most ``CLEARINGHOUSE_VPDQ_MAX_CANDIDATES_PER_FRAME``
indexed frames within the distance, past which the search ends with the same 422.
Together with the distance ceiling (vPDQ frames at most 31 unless configured) they bound
the time and memory of the worst request the API allows (benchmarks/match_worst.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from clearinghouse.errors import LimitExceeded
from clearinghouse.index import TooManyCandidates

if TYPE_CHECKING:
    from clearinghouse.config import Settings

__all__ = ["check_work", "codes_of", "searched"]

DIHEDRAL_FORMS = 8


def codes_of(queries: Sequence[Any], dihedral: bool) -> int:
    """How many codes answering ``queries`` searches."""
    total = 0
    for q in queries:
        signal = q.signal
        if signal.signal_type == "vpdq":
            total += len(signal.to_bytes()) // 32
        elif dihedral and signal.signal_type == "pdq":
            total += DIHEDRAL_FORMS
        else:
            total += 1
    return total


def check_work(settings: Settings, queries: Sequence[Any], dihedral: bool) -> None:
    """Refuse (422) a request that would search more codes than the budget allows."""
    codes, most = codes_of(queries, dihedral), settings.match_max_codes
    if codes > most:
        raise LimitExceeded(
            f"this lookup searches {codes} codes (a PDQ query is 1, 8 with dihedral, a vPDQ "
            f"query one per frame); at most {most} per request (CLEARINGHOUSE_MATCH_MAX_CODES): "
            "send fewer queries or frames",
            limit="CLEARINGHOUSE_MATCH_MAX_CODES",
        )


def searched(search: Callable[..., list], *args: Any) -> list:
    """``search(*args)``, with a vPDQ frame's candidate budget breach as a 422."""
    try:
        return search(*args)
    except TooManyCandidates as exc:
        raise LimitExceeded(
            f"{exc} (CLEARINGHOUSE_VPDQ_MAX_CANDIDATES_PER_FRAME): the lookup was stopped; "
            "ask with a smaller max_distance",
            limit="CLEARINGHOUSE_VPDQ_MAX_CANDIDATES_PER_FRAME",
        ) from None
