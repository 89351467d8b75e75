"""Hashing one file into every signal it yields: the code path of ``clearinghouse hash``.

Images give PDQ and the 64-bit perceptual hashes, videos give vPDQ and TMK+PDQF (the
reference ``.tmk`` file, base64), and every file gives MD5, SHA-256 and SHA-512 of its
bytes. The result is a list of JSON-ready records, one per signal.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearinghouse.signals.hashing.errors import HashingError
from clearinghouse.signals.hashing.images import (
    DEFAULT_MAX_PIXELS,
    IMAGEHASH_TYPES,
    decode_image,
    image_hashes,
)
from clearinghouse.signals.hashing.sniff import HEAD_BYTES, sniff
from clearinghouse.wire import SIGNAL_TYPES, VPDQ_FRAMES_LIMIT

__all__ = ["ALL_TYPES", "HashOptions", "hash_file", "types_for_kind"]

ALL_TYPES = SIGNAL_TYPES  # a file can be hashed as every signal type
_DIGESTS = ("md5", "sha256", "sha512")
_BY_KIND = {
    "image": frozenset(("pdq", *IMAGEHASH_TYPES, *_DIGESTS)),
    "video": frozenset(("vpdq", "tmk", *_DIGESTS)),
    "other": frozenset(_DIGESTS),
}


@dataclass(frozen=True)
class HashOptions:
    """How to hash: which types, and the knobs for images and videos."""

    types: frozenset[str] = frozenset(ALL_TYPES)
    max_pixels: int = DEFAULT_MAX_PIXELS
    draft_min_side: int | None = None  # reduced-size JPEG decoding; off by default
    seconds_per_hash: float = 1.0
    vpdq_max_frames: int = VPDQ_FRAMES_LIMIT
    regions: bool = True  # the PDQ record carries the region ladder (regions.py)
    variants: bool = False  # the PDQ record carries the query variants (variants.py)


def types_for_kind(kind: str) -> frozenset[str]:
    """The signal types a file of this kind (image, video, other) can yield."""
    return _BY_KIND[kind]


def hash_file(path: str | Path, options: HashOptions = HashOptions()) -> list[dict[str, Any]]:
    """One record ``{"path", "signal_type", "value", "quality"?, "content_type"}`` per signal.

    Raises HashingError for a file that is unreadable, corrupt, or yields none of the
    requested types.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as error:
        raise HashingError(f"cannot read file: {error.strerror or error}") from error
    kind, content_type = sniff(head)
    if kind == "other" and options.types & _BY_KIND["image"] - _BY_KIND["other"]:
        kind, content_type = _maybe_image(path, kind, content_type)
    wanted = options.types & _BY_KIND[kind]
    if not wanted:
        asked = ", ".join(sorted(options.types))
        raise HashingError(f"{content_type} yields none of the requested types ({asked})")

    signals: list[tuple[str, Any, int | None]] = []
    extras: dict[str, Any] = {}  # what the PDQ record carries besides its value
    data: bytes | None = None
    if kind == "image" and wanted - set(_DIGESTS):
        data = _read(path)  # decoded from memory so the digests need no second read
        image = decode_image(
            io.BytesIO(data), max_pixels=options.max_pixels, draft_min_side=options.draft_min_side
        )
        found = image_hashes(image, frozenset(wanted))
        signals.extend(found)
        if "pdq" in wanted and (options.regions or options.variants):
            extras = _pdq_extras(image, options)
    elif kind == "video" and "vpdq" in wanted:
        from clearinghouse.signals.hashing.video import hash_video

        frames = hash_video(
            path, seconds_per_hash=options.seconds_per_hash, max_frames=options.vpdq_max_frames
        )
        signals.append(("vpdq", [frame.to_wire() for frame in frames], None))
    if kind == "video" and "tmk" in wanted:
        from clearinghouse.signals.hashing.tmk import hash_video_tmk

        signals.append(("tmk", hash_video_tmk(path).text, None))
    digests = [name for name in _DIGESTS if name in wanted]
    if digests:
        for name, value in _digests(path, data, digests):
            signals.append((name, value, None))
    records = [_record(path, content_type, *signal) for signal in signals]
    for record in records:
        if record["signal_type"] == "pdq":
            record.update(extras)
    return records


def _pdq_extras(image: Any, options: HashOptions) -> dict[str, Any]:
    """The region ladder and the query variants of a decoded image, as asked."""
    import numpy as np

    from clearinghouse.signals.hashing.pdq import luma_of
    from clearinghouse.signals.hashing.regions import region_hashes
    from clearinghouse.signals.hashing.variants import query_variants

    rgb = np.asarray(image)
    luma = luma_of(rgb)
    extras: dict[str, Any] = {}
    if options.regions:
        extras["regions"] = region_hashes(rgb, luma)
    if options.variants:
        extras["variants"] = [
            {"variant": v.name, "value": v.value, "quality": v.quality}
            for v in query_variants(rgb, luma)
        ]
    return extras


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise HashingError(f"cannot read file: {error.strerror or error}") from error


def _digests(path: Path, data: bytes | None, names: list[str]) -> list[tuple[str, str]]:
    """The digests of the bytes in memory, or of the file read in chunks (videos can be large)."""
    hashers = [hashlib.new(name) for name in names]
    if data is not None:
        for hasher in hashers:
            hasher.update(data)
    else:
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    for hasher in hashers:
                        hasher.update(chunk)
        except OSError as error:
            raise HashingError(f"cannot read file: {error.strerror or error}") from error
    return [(name, hasher.hexdigest()) for name, hasher in zip(names, hashers, strict=True)]


def _maybe_image(path: Path, kind: str, content_type: str) -> tuple[str, str]:
    """Let Pillow recognise image formats the magic table does not know (header only)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return "image", Image.MIME.get(
                image.format or "", "image/" + (image.format or "unknown").lower()
            )
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return kind, content_type


def _record(
    path: Path, content_type: str, signal_type: str, value: Any, quality: int | None
) -> dict[str, Any]:
    record: dict[str, Any] = {"path": str(path), "signal_type": signal_type, "value": value}
    if quality is not None:
        record["quality"] = quality
    record["content_type"] = content_type
    return record
