"""Reading the ``regions`` of a submitted PDQ item: each one a PDQ like any other.

A submission item of type ``pdq`` may carry ``"regions": [{"pdq", "quality"}, …]``, the
region ladder its member computed (signals/hashing/regions.py). Each region is checked
exactly as a PDQ value is (64 hex digits, quality 0–100 and at least the configured
minimum), with no other fields, at most ``REGIONS_PER_ITEM_LIMIT`` of them. The server
indexes them as aliases of the item's signal and shows them to nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from clearinghouse.signals.errors import SignalError
from clearinghouse.wire import REGIONS_PER_ITEM_LIMIT

if TYPE_CHECKING:
    from clearinghouse.signals.registry import SignalRegistry

__all__ = ["REGION_FIELDS", "Region", "parse_regions"]

REGION_FIELDS = frozenset({"pdq", "quality"})


class Region(NamedTuple):
    """One region PDQ of a signal: its 32 bytes and its quality."""

    code: bytes
    quality: int


def parse_regions(
    registry: SignalRegistry,
    signal_type: str,
    raw: Any,
    *,
    most: int = REGIONS_PER_ITEM_LIMIT,
) -> tuple[Region, ...]:
    """The regions of an item, each once in the order given; raise SignalError naming
    the first bad one."""
    if signal_type != "pdq":
        raise SignalError("regions", "only PDQ items carry regions")
    if not isinstance(raw, list):
        raise SignalError("regions", "expected a list of {pdq, quality} objects")
    if len(raw) > most:
        raise SignalError("regions", f"{len(raw)} regions; at most {most} per item")
    out: list[Region] = []
    seen: set[bytes] = set()
    for n, region in enumerate(raw):
        if not isinstance(region, dict):
            raise SignalError("regions", f"region {n}: expected an object")
        extra = sorted(set(region) - REGION_FIELDS)
        if extra:
            raise SignalError("regions", f"region {n}: unknown field {extra[0]!r}")
        if "pdq" not in region or "quality" not in region:
            raise SignalError("regions", f"region {n}: needs pdq and quality")
        try:
            signal = registry.parse("pdq", region["pdq"], region["quality"])
        except SignalError as error:
            raise SignalError("regions", f"region {n}: {error.reason}") from None
        code = signal.to_bytes()
        if code in seen:
            raise SignalError("regions", f"region {n}: the same PDQ as an earlier region")
        seen.add(code)
        out.append(Region(code, int(signal.quality)))
    return tuple(out)
