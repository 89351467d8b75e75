"""Hashing files on the member's own machine: images, videos and any other file."""

from clearinghouse.signals.hashing.errors import HashingError
from clearinghouse.signals.hashing.files import ALL_TYPES, HashOptions, hash_file, types_for_kind
from clearinghouse.signals.hashing.images import decode_image, image_hashes, to_rgb
from clearinghouse.signals.hashing.pdq import pdq_dihedral, pdq_hash, pdq_hash_reference
from clearinghouse.signals.hashing.video import hash_video

__all__ = [
    "ALL_TYPES",
    "HashOptions",
    "HashingError",
    "decode_image",
    "hash_file",
    "hash_video",
    "image_hashes",
    "pdq_dihedral",
    "pdq_hash",
    "pdq_hash_reference",
    "to_rgb",
    "types_for_kind",
]
