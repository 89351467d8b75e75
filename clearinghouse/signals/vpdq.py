"""vPDQ video signals: a list of PDQ frame hashes, and the reference match rule.

A video is hashed as one PDQ hash per sampled frame (one a second by default). Two
videos match when enough of the query's frames are within ``max_distance`` of some frame
of the indexed video (``query_match_pct``) and enough of the indexed video's frames are
within ``max_distance`` of some query frame (``index_match_pct``). As in the reference
matcher, frames whose quality is below the PDQ minimum take no part in the comparison.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from clearinghouse.signals.errors import SignalError
from clearinghouse.signals.hexcodes import _kind, hamming_distance, parse_hex

__all__ = ["VpdqComparison", "VpdqFrame", "compare_videos", "frames_text", "parse_frames"]

_FRAME_KEYS = ("pdq", "quality", "timestamp")


@dataclass(frozen=True, slots=True)
class VpdqFrame:
    """One hashed frame: its PDQ hash (lowercase hex), quality 0–100, time in seconds."""

    pdq: str
    quality: int
    timestamp: float

    def to_bytes(self) -> bytes:
        """The 32-byte PDQ code of this frame."""
        return bytes.fromhex(self.pdq)

    def to_wire(self) -> dict[str, object]:
        """The frame as it appears in JSON."""
        return {"pdq": self.pdq, "quality": self.quality, "timestamp": self.timestamp}


@dataclass(frozen=True, slots=True)
class VpdqComparison:
    """How much of each video the other covers, in percent, and whether that is a match."""

    query_match_pct: float
    index_match_pct: float
    matched: bool


def parse_frames(
    value: object, *, max_frames: int, min_quality: int, field: str = "value"
) -> tuple[VpdqFrame, ...]:
    """Parse a wire list of frames ``{"pdq", "quality", "timestamp"}``, or raise SignalError."""
    if not isinstance(value, list | tuple):
        raise SignalError(field, f"expected a list of frames, got {_kind(value)}")
    if not value:
        raise SignalError(field, "expected at least one frame, got an empty list")
    if len(value) > max_frames:
        raise SignalError(field, f"expected at most {max_frames} frames, got {len(value)}")
    frames = tuple(_parse_frame(item, f"{field}[{i}]") for i, item in enumerate(value))
    if not any(frame.quality >= min_quality for frame in frames):
        raise SignalError(field, f"no frame has quality {min_quality} or more")
    return frames


def _parse_frame(item: object, field: str) -> VpdqFrame:
    if not isinstance(item, dict):
        raise SignalError(
            field, f"expected an object with {', '.join(_FRAME_KEYS)}, got {_kind(item)}"
        )
    unknown = sorted(set(item) - set(_FRAME_KEYS))
    if unknown:
        raise SignalError(field, f"unknown key {unknown[0]!r}")
    for key in _FRAME_KEYS:
        if key not in item:
            raise SignalError(f"{field}.{key}", "missing")
    pdq = parse_hex(item["pdq"], 64, field=f"{field}.pdq")
    quality = item["quality"]
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 100:
        raise SignalError(f"{field}.quality", f"expected an integer 0–100, got {quality!r}")
    timestamp = item["timestamp"]
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        raise SignalError(
            f"{field}.timestamp", f"expected a number of seconds, got {_kind(timestamp)}"
        )
    if not math.isfinite(timestamp) or timestamp < 0:
        raise SignalError(f"{field}.timestamp", f"expected a finite number ≥ 0, got {timestamp!r}")
    return VpdqFrame(pdq, quality, float(timestamp))


def frames_text(frames: Sequence[VpdqFrame]) -> str:
    """A canonical text form of a frame list (compact JSON), for storage and equality."""
    return json.dumps([f.to_wire() for f in frames], separators=(",", ":"), sort_keys=True)


def compare_videos(
    query: Sequence[VpdqFrame],
    indexed: Sequence[VpdqFrame],
    *,
    max_distance: int,
    min_quality: int,
    query_match_pct: float,
    index_match_pct: float,
) -> VpdqComparison:
    """Apply the vPDQ match rule to two frame lists (brute force, as the reference does)."""
    q = [f.pdq for f in query if f.quality >= min_quality]
    t = [f.pdq for f in indexed if f.quality >= min_quality]
    if not q or not t:
        return VpdqComparison(0.0, 0.0, False)
    q_pct = 100.0 * _covered(q, t, max_distance) / len(q)
    t_pct = 100.0 * _covered(t, q, max_distance) / len(t)
    return VpdqComparison(q_pct, t_pct, q_pct >= query_match_pct and t_pct >= index_match_pct)


def _covered(frames: list[str], others: list[str], max_distance: int) -> int:
    """How many of ``frames`` are within ``max_distance`` of at least one of ``others``."""
    return sum(1 for a in frames if any(hamming_distance(a, b) <= max_distance for b in others))
