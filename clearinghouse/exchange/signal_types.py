"""Clearinghouse signal types in the library's terms, both ways.

The library names video file digests ``video_md5`` / ``video_sha256`` and (through its
vPDQ extension) ``vpdq``, whose signal is a JSON list of ``"<pdq hex>,<quality>,<seconds>"``
frame strings. It has no
digest type for other files, so an MD5 or SHA-256 counts only when a contributor hashed a
video with it. A type the running library lacks is skipped, never an error.
"""

import json
import typing as t

from clearinghouse.ijson import read_json
from clearinghouse.signals import default_registry
from clearinghouse.signals.types import VpdqType
from clearinghouse.wire import EXCHANGE_NAMES as LIBRARY_NAMES  # ours → get_name()

__all__ = ["LIBRARY_NAMES", "from_library", "to_library"]

_OURS = {lib: ours for ours, lib in LIBRARY_NAMES.items()}


def to_library(
    signal_type: str, value: t.Any, content_types: t.Iterable[str] = ()
) -> tuple[str, str] | None:
    """``(library type name, signal string)``, or None for a type with no counterpart."""
    name = LIBRARY_NAMES.get(signal_type)
    if name is None:
        return None
    if name.startswith("video_") and not any(c.startswith("video/") for c in content_types):
        return None
    if _is_frames(signal_type):
        frames = (
            read_json(value, what="vpdq value", max_depth=4) if isinstance(value, str) else value
        )
        return name, json.dumps([f"{f['pdq']},{f['quality']},{f['timestamp']}" for f in frames])
    return name, str(value)


def from_library(name: str, signal: str) -> tuple[str, t.Any]:
    """``(clearinghouse type, value)`` of a library signal; ValueError when it has none."""
    ours = _OURS.get(name)
    if ours is None:
        raise ValueError(f"the clearinghouse has no counterpart of signal type {name!r}")
    if not _is_frames(ours):
        return ours, signal.strip().lower()
    frames = json.loads(signal)
    if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
        raise ValueError('a vpdq signal is a JSON list of "<pdq hex>,<quality>,<seconds>"')
    out = []
    for frame in frames:
        pdq, quality, seconds = frame.split(",")  # a wrong count is ValueError too
        out.append({"pdq": pdq.lower(), "quality": int(quality), "timestamp": float(seconds)})
    return ours, out


def _is_frames(signal_type: str) -> bool:
    """Whether a type's values are vPDQ frame lists."""
    return isinstance(default_registry().types.get(signal_type), VpdqType)
