"""Validating many signals at once, collecting every bad item instead of stopping at the first.

Statements are all-or-nothing (DESIGN §4.2): one bad item refuses the whole statement,
and the answer lists every bad item by index. ``parse_items`` does that for the signal
part of each item; callers add their own checks (labels, verdicts) with ``ItemErrors``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from clearinghouse.errors import InvalidInput
from clearinghouse.signals.errors import SignalError
from clearinghouse.signals.registry import SignalRegistry
from clearinghouse.signals.types import Signal

__all__ = ["ItemErrors", "parse_items"]

T = TypeVar("T")


class ItemErrors:
    """Collects ``{"index", "field", "reason"}`` errors and raises them all together."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, index: int, field: str, reason: str) -> None:
        """Record one bad field of item ``index``."""
        self.errors.append({"index": index, "field": field, "reason": reason})

    def check(self, index: int, fn: Callable[[], T]) -> T | None:
        """Run ``fn``; record any InvalidInput it raises against item ``index`` and return None."""
        try:
            return fn()
        except InvalidInput as error:
            self.record(index, error)
            return None

    def record(self, index: int, error: InvalidInput) -> None:
        """Record the fields an InvalidInput names against item ``index``."""
        for item in error.errors or [{"field": "", "reason": error.detail}]:
            self.add(index, item.get("field", ""), item.get("reason", error.detail))

    def raise_if_any(self, what: str = "items") -> None:
        """Raise one InvalidInput listing every recorded error, if there are any."""
        if self.errors:
            bad = len({e["index"] for e in self.errors})
            first = self.errors[0]
            raise InvalidInput(
                f"{bad} bad {what}; first: item {first['index']} "
                f"{first['field']}: {first['reason']}",
                errors=self.errors,
            )


def parse_items(
    registry: SignalRegistry,
    items: Iterable[object],
    *,
    errors: ItemErrors | None = None,
    references: bool = False,
) -> list[Signal | None]:
    """Parse the ``signal_type``/``value``/``quality`` of each item.

    With ``references``, items name existing hashes (retractions, feedback, lookups) and
    need no quality; see ``SignalRegistry.parse_reference``.

    With ``errors`` given, bad items are recorded there and come back as None, so the
    caller can add its own checks before raising; without it, raises InvalidInput listing
    every bad item by index.
    """
    own = errors is None
    collected = ItemErrors() if errors is None else errors
    parsed: list[Signal | None] = []
    for i, item in enumerate(items):  # ``check`` unrolled: statements carry 10,000 items
        try:
            parsed.append(_parse_one(registry, item, references))
        except InvalidInput as error:
            collected.record(i, error)
            parsed.append(None)
    if own:
        collected.raise_if_any()
    return parsed


def _parse_one(registry: SignalRegistry, item: object, references: bool = False) -> Signal:
    if type(item) is not dict and not isinstance(item, Mapping):
        raise SignalError("item", "expected an object")
    for key in ("signal_type", "value"):
        if key not in item:
            raise SignalError(key, "missing")
    parse = registry.parse_reference if references else registry.parse
    return parse(item["signal_type"], item["value"], item.get("quality"))
