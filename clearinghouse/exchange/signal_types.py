"""Clearinghouse signal types in the library's terms, both ways.

The library names video file digests ``video_md5`` / ``video_sha256`` and (through its
vPDQ extension) ``vpdq`` with frames as a JSON object keyed by frame number. A type the
running library lacks is skipped, never an error.
"""

import json
import typing as t

__all__ = ["LIBRARY_NAMES", "from_library", "to_library"]

# clearinghouse type → library SignalType.get_name()
LIBRARY_NAMES = {"pdq": "pdq", "md5": "video_md5", "sha256": "video_sha256", "vpdq": "vpdq"}
_OURS = {lib: ours for ours, lib in LIBRARY_NAMES.items()}


def to_library(signal_type: str, value: t.Any) -> tuple[str, str] | None:
    """``(library type name, signal string)``, or None for a type with no counterpart."""
    name = LIBRARY_NAMES.get(signal_type)
    if name is None:
        return None
    if signal_type == "vpdq":
        frames = json.loads(value) if isinstance(value, str) else value
        return name, json.dumps(
            {
                str(i): {"quality": f["quality"], "hash": f["pdq"], "timestamp": f["timestamp"]}
                for i, f in enumerate(frames)
            },
            separators=(",", ":"),
        )
    return name, str(value)


def from_library(name: str, signal: str) -> tuple[str, t.Any]:
    """``(clearinghouse type, value)`` of a library signal; ValueError when it has none."""
    ours = _OURS.get(name)
    if ours is None:
        raise ValueError(f"the clearinghouse has no counterpart of signal type {name!r}")
    if ours != "vpdq":
        return ours, signal.strip().lower()
    frames = json.loads(signal)
    if not isinstance(frames, dict):
        raise ValueError("a vpdq signal is a JSON object of frames keyed by frame number")
    return ours, [
        {"pdq": f["hash"], "quality": f["quality"], "timestamp": f["timestamp"]}
        for _, f in sorted(frames.items(), key=lambda kv: int(kv[0]))
    ]
