"""One byte budget for every list answer (DESIGN §11: a response-size ceiling).

A list endpoint (log entries, the change feed) gathers its page as usual, then keeps the
leading items whose JSON fits in ``CLEARINGHOUSE_MAX_LIST_BYTES`` and hands out a cursor
to the first item it left out. The first item is always kept, so a single item larger
than the budget is still served (alone) and a reader following the cursor never stalls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ANSWER_RESERVE", "encoded_size", "fit"]

# Bytes kept back from the budget for the answer's own keys around the list (the list
# key, the cursor and the braces); the cursor of either feed is far shorter.
ANSWER_RESERVE = 512


def encoded_size(item: Any) -> int:
    """Bytes of ``item`` as the API encodes it (compact JSON, ASCII escapes)."""
    return len(json.dumps(item, separators=(",", ":"), ensure_ascii=True))


def fit(
    items: Iterable[Any], max_bytes: int, size: Callable[[Any], int] = encoded_size
) -> list[Any]:
    """The leading ``items`` whose JSON, as one array, fits in ``max_bytes`` less
    ``ANSWER_RESERVE``; never fewer than one when there is any. ``size`` is an item's
    encoded length, for callers that know it without encoding (it must agree with
    ``encoded_size``).

    Stops consuming ``items`` at the first one that does not fit, so a caller may pass a
    generator that reads lazily.
    """
    budget = max_bytes - ANSWER_RESERVE
    kept: list[Any] = []
    used = 1  # the closing bracket
    for item in items:
        length = size(item) + 1  # the opening bracket or the comma before it
        if kept and used + length > budget:
            break
        kept.append(item)
        used += length
    return kept
