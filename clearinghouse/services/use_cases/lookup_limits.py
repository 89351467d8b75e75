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
from dataclasses import dataclass
from typing import Any

from clearinghouse.errors import LimitExceeded
from clearinghouse.index import TooManyCandidates
from clearinghouse.signals.registry import default_registry
from clearinghouse.signals.types import SignalType

__all__ = ["LookupLimits", "check_work", "codes_of", "searched"]


@dataclass(frozen=True)
class LookupLimits:
    """The settings a lookup reads (each named as in ``config.Settings``)."""

    max_matches_per_query: int  # matches kept per query, the nearest
    confirm_threshold: int  # contributors that make a signal confirmed
    match_max_codes: int  # codes one request may search

    @classmethod
    def from_settings(cls, settings: Any) -> LookupLimits:
        return cls(
            settings.max_matches_per_query, settings.confirm_threshold, settings.match_max_codes
        )


def codes_of(
    queries: Sequence[Any],
    dihedral: bool,
    kind_of: Callable[[str], SignalType] | None = None,
) -> int:
    """How many codes answering ``queries`` searches (``SignalType.codes_searched``;
    ``kind_of`` names each query's type, by default from the default registry)."""
    kind_of = kind_of or default_registry().get
    return sum(kind_of(q.signal.signal_type).codes_searched(q.signal, dihedral) for q in queries)


def check_work(
    limits: Any,
    queries: Sequence[Any],
    dihedral: bool,
    kind_of: Callable[[str], SignalType] | None = None,
) -> None:
    """Refuse (422) a request that would search more codes than ``limits.match_max_codes``
    (``LookupLimits`` or the settings)."""
    codes, most = codes_of(queries, dihedral, kind_of), limits.match_max_codes
    if codes > most:
        raise LimitExceeded(
            f"this lookup searches {codes} codes (a PDQ query is 1, 8 with dihedral, a vPDQ "
            f"query one per frame); at most {most} per request (CLEARINGHOUSE_MATCH_MAX_CODES): "
            "send fewer queries or frames",
            limit="CLEARINGHOUSE_MATCH_MAX_CODES",
        )


def searched(search: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``search(*args, **kwargs)``, with a vPDQ frame's candidate budget breach as a 422."""
    try:
        return search(*args, **kwargs)
    except TooManyCandidates as exc:
        raise LimitExceeded(
            f"{exc} (CLEARINGHOUSE_VPDQ_MAX_CANDIDATES_PER_FRAME): the lookup was stopped; "
            "ask with a smaller max_distance",
            limit="CLEARINGHOUSE_VPDQ_MAX_CANDIDATES_PER_FRAME",
        ) from None
