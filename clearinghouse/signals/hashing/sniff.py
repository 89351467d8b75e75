"""Telling images, videos and other files apart by their first bytes, not their names.

Names lie (a ``.jpg`` that is really a PNG, a video without an extension); magic numbers
rarely do. ``sniff`` returns the kind (``image``, ``video`` or ``other``) and a media type.
What it does not recognise may still be an image Pillow can open; ``hash_file`` tries.
"""

from __future__ import annotations

__all__ = ["HEAD_BYTES", "sniff"]

HEAD_BYTES = 512

_PREFIXES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image", "image/png"),
    (b"GIF87a", "image", "image/gif"),
    (b"GIF89a", "image", "image/gif"),
    (b"BM", "image", "image/bmp"),
    (b"II*\x00", "image", "image/tiff"),
    (b"MM\x00*", "image", "image/tiff"),
    (b"\x1aE\xdf\xa3", "video", "video/x-matroska"),
    (b"FLV", "video", "video/x-flv"),
    (b"\x00\x00\x01\xba", "video", "video/mpeg"),
    (b"\x00\x00\x01\xb3", "video", "video/mpeg"),
    (b"%PDF-", "other", "application/pdf"),
    (b"PK\x03\x04", "other", "application/zip"),
    (b"PK\x05\x06", "other", "application/zip"),
    (b"\x1f\x8b", "other", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "other", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "other", "application/vnd.rar"),
)
# ISO base media file format brands (bytes 8–12 after "ftyp").
_IMAGE_BRANDS = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
}
_QUICKTIME_BRANDS = {b"qt  "}


def sniff(head: bytes) -> tuple[str, str]:
    """``(kind, content_type)`` of a file from its first ``HEAD_BYTES`` bytes."""
    for prefix, kind, content_type in _PREFIXES:
        if head.startswith(prefix):
            if content_type == "video/x-matroska" and b"webm" in head:
                return "video", "video/webm"
            return kind, content_type
    if head[:4] == b"RIFF" and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return "image", "image/webp"
        if form == b"AVI ":
            return "video", "video/x-msvideo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return "image", _IMAGE_BRANDS[brand]
        if brand in _QUICKTIME_BRANDS:
            return "video", "video/quicktime"
        return "video", "video/mp4"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "video", "video/mp2t"
    if head[:4] == b"OggS" and b"theora" in head:
        return "video", "video/ogg"
    return "other", "application/octet-stream"
