"""The registry of signal types, built from settings (DESIGN §3.1).

``build_registry`` takes the few settings that shape signal handling; the server passes
its settings object's fields, a member's tools use ``default_registry()``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from clearinghouse.errors import ConfigError
from clearinghouse.signals.errors import SignalError
from clearinghouse.signals.hexcodes import parse_hex
from clearinghouse.signals.types import (
    ExactType,
    HammingType,
    Signal,
    SignalType,
    TmkType,
    VpdqType,
)
from clearinghouse.wire import VPDQ_FRAMES_LIMIT, VPDQ_QUERY_FRAMES_LIMIT

__all__ = [
    "DEFAULT_MAX_DISTANCES",
    "MAX_DISTANCE_CEILINGS",
    "SignalRegistry",
    "build_registry",
    "default_registry",
    "registry_from_settings",
]

# The 64-bit defaults come from the calibration in docs/signals.md
# (benchmarks/calibrate_signals.py): each admits the common edits of a photograph and
# stays well below the closest pair of different photographs.
DEFAULT_MAX_DISTANCES: Mapping[str, int] = {
    "pdq": 31,
    "phash": 10,
    "dhash": 10,
    "ahash": 6,
    "whash": 8,
    "md5": 0,
    "sha256": 0,
    "sha512": 0,
    "vpdq": 31,
    "tmk": 0,
}
MAX_DISTANCE_CEILINGS: Mapping[str, int] = {
    "pdq": 63,
    "phash": 16,
    "dhash": 16,
    "ahash": 16,
    "whash": 16,
    "md5": 0,
    "sha256": 0,
    "sha512": 0,
    "vpdq": 31,  # per frame: wider searches cost far more than they find
    "tmk": 0,
}


@dataclass(frozen=True)
class SignalRegistry:
    """The signal types a deployment accepts, by name."""

    types: Mapping[str, SignalType]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.types))

    def __contains__(self, name: object) -> bool:
        return name in self.types

    @property
    def names(self) -> tuple[str, ...]:
        """Every signal type name, sorted."""
        return tuple(sorted(self.types))

    def get(self, signal_type: object) -> SignalType:
        """The type called ``signal_type``; unknown names raise SignalError on ``signal_type``."""
        if isinstance(signal_type, str) and signal_type in self.types:
            return self.types[signal_type]
        raise SignalError(
            "signal_type",
            f"unknown signal type {signal_type!r}; known: {', '.join(self.names)}",
        )

    def parse(self, signal_type: object, value: object, quality: object = None) -> Signal:
        """Parse one wire signal, or raise SignalError naming the bad field."""
        return self.get(signal_type).parse(value, quality)

    def parse_reference(self, signal_type: object, value: object, quality: object = None) -> Signal:
        """Parse a hash named by a lookup, a retraction or a feedback item.

        Quality describes a submitted hash, so a reference need not carry one; when it
        does, it is checked as in ``parse``.
        """
        kind = self.get(signal_type)
        if quality is None and isinstance(kind, HammingType) and kind.takes_quality:
            return Signal(kind.name, parse_hex(value, kind.hex_chars))
        return kind.parse(value, quality)

    def resolve_max_distance(self, signal_type: object, max_distance: object = None) -> int:
        """The ``max_distance`` for a query: the default, or the given one if within the ceiling."""
        return self.get(signal_type).resolve_max_distance(max_distance)

    def resolve_thresholds(
        self, signal_type: object, level1: object = None, level2: object = None
    ) -> tuple[float, float] | None:
        """A TMK lookup's (level-1, level-2) thresholds; None for other types, which take
        none (SignalError if given one)."""
        kind = self.get(signal_type)
        if isinstance(kind, TmkType):
            return kind.resolve_thresholds(level1, level2)
        for key, given in (("level1_threshold", level1), ("level2_threshold", level2)):
            if given is not None:
                raise SignalError(key, f"only tmk lookups take thresholds, not {kind.name}")
        return None


def build_registry(
    *,
    pdq_min_quality: int = 50,
    max_distance_defaults: Mapping[str, int] | None = None,
    max_distance_ceilings: Mapping[str, int] | None = None,
    vpdq_max_frames: int = VPDQ_FRAMES_LIMIT,
    vpdq_max_query_frames: int = VPDQ_QUERY_FRAMES_LIMIT,
    vpdq_query_match_pct: float = 80.0,
    vpdq_index_match_pct: float = 0.0,
    tmk_level1_threshold: float = 0.7,
    tmk_level2_threshold: float = 0.7,
    tmk_min_threshold: float = 0.5,
) -> SignalRegistry:
    """Build the registry; overrides are per type name. Bad settings raise ConfigError."""
    _check_int("pdq_min_quality", pdq_min_quality, 0, 100)
    _check_int("vpdq_max_frames", vpdq_max_frames, 1, 10_000_000)
    _check_int("vpdq_max_query_frames", vpdq_max_query_frames, 1, 2**62)
    for key, pct in (
        ("vpdq_query_match_pct", vpdq_query_match_pct),
        ("vpdq_index_match_pct", vpdq_index_match_pct),
    ):
        if isinstance(pct, bool) or not isinstance(pct, int | float) or not 0 <= pct <= 100:
            raise ConfigError(f"{key}: expected a percentage 0–100, got {pct!r}")
    for key, number in (
        ("tmk_min_threshold", tmk_min_threshold),
        ("tmk_level1_threshold", tmk_level1_threshold),
        ("tmk_level2_threshold", tmk_level2_threshold),
    ):
        low = 0.0 if key == "tmk_min_threshold" else tmk_min_threshold
        numeric = isinstance(number, int | float) and not isinstance(number, bool)
        if not numeric or not low <= number <= 1:
            raise ConfigError(f"{key}: expected a number {low}–1, got {number!r}")
    defaults = _merged("max_distance_defaults", DEFAULT_MAX_DISTANCES, max_distance_defaults)
    ceilings = _merged("max_distance_ceilings", MAX_DISTANCE_CEILINGS, max_distance_ceilings)
    types: dict[str, SignalType] = {
        "pdq": HammingType(
            "pdq",
            "hamming",
            256,
            0,
            0,
            has_regions=True,
            min_quality=pdq_min_quality,
            dihedral=True,
        ),
        **{n: HammingType(n, "hamming", 64, 0, 0) for n in ("phash", "dhash", "ahash", "whash")},
        "md5": ExactType("md5", "exact", 128, 0, 0),
        "sha256": ExactType("sha256", "exact", 256, 0, 0),
        "sha512": ExactType("sha512", "exact", 512, 0, 0),
        "vpdq": VpdqType(
            "vpdq",
            "vpdq",
            256,
            0,
            0,
            min_quality=pdq_min_quality,
            max_frames=vpdq_max_frames,
            max_query_frames=vpdq_max_query_frames,
            query_match_pct=float(vpdq_query_match_pct),
            index_match_pct=float(vpdq_index_match_pct),
        ),
        # nbits: one level-1 vector (256 float32s); thresholds, not distances, apply.
        "tmk": TmkType(
            "tmk",
            "tmk",
            8192,
            0,
            0,
            level1_threshold=float(tmk_level1_threshold),
            level2_threshold=float(tmk_level2_threshold),
            min_threshold=float(tmk_min_threshold),
        ),
    }
    for name, kind in types.items():
        default, ceiling = defaults[name], ceilings[name]
        if kind.index_kind in ("exact", "tmk") and ceiling != 0:
            how = "matches exactly" if kind.index_kind == "exact" else "matches by thresholds"
            raise ConfigError(f"max_distance_ceilings: {name} {how}; its ceiling must be 0")
        if not 0 <= ceiling <= kind.nbits:
            raise ConfigError(
                f"max_distance_ceilings: {name} ceiling {ceiling} is outside 0–{kind.nbits}"
            )
        if not 0 <= default <= ceiling:
            raise ConfigError(
                f"max_distance_defaults: {name} default {default} is outside 0–{ceiling}"
            )
        types[name] = replace(kind, default_max_distance=default, max_distance_ceiling=ceiling)
    return SignalRegistry(types)


@functools.cache
def default_registry() -> SignalRegistry:
    """The registry with every setting at its default."""
    return build_registry()


def registry_from_settings(settings: Any) -> SignalRegistry:
    """Build the registry from a settings object, using defaults for fields it lacks."""
    fields = (
        "pdq_min_quality",
        "max_distance_defaults",
        "max_distance_ceilings",
        "vpdq_max_frames",
        "vpdq_max_query_frames",
        "vpdq_query_match_pct",
        "vpdq_index_match_pct",
        "tmk_level1_threshold",
        "tmk_level2_threshold",
        "tmk_min_threshold",
    )
    given = {f: getattr(settings, f) for f in fields if getattr(settings, f, None) is not None}
    return build_registry(**given)


def _merged(
    key: str, base: Mapping[str, int], overrides: Mapping[str, int] | None
) -> dict[str, int]:
    merged = dict(base)
    for name, number in (overrides or {}).items():
        if name not in base:
            raise ConfigError(
                f"{key}: unknown signal type {name!r}; known: {', '.join(sorted(base))}"
            )
        _check_int(f"{key}.{name}", number, 0, 256)
        merged[name] = number
    return merged


def _check_int(key: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{key}: expected an integer {low}–{high}, got {value!r}")
