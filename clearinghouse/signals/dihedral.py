"""PDQ dihedral variants (the 8 rotations and flips) derived from the hash alone.

PDQ's reference derives the 8 variants from the DCT coefficients: a rotation or flip of
the image only transposes the 16×16 coefficient matrix and negates the coefficients of
odd spatial frequency along the mirrored axes. From the 256-bit hash the coefficients are
gone, only their signs relative to the median are left; negating a coefficient flips its
bit exactly when the median of the transformed coefficients is the negated median, which
holds up to a few coefficients that sit next to the median. So ``dihedral_variants``
is exact for the transpose (``flipplus1``) and within a few bits of the reference for the
others: docs/signals.md gives the measured distances. When the image is at hand,
``clearinghouse.signals.hashing.pdq_dihedral`` computes the reference variants instead.
"""

from __future__ import annotations

import numpy as np

from clearinghouse.signals.hexcodes import parse_hex

__all__ = ["DIHEDRAL_NAMES", "DIHEDRAL_TRANSFORMS", "dihedral_variants"]

# Per variant, in the reference's order, what it does to the coefficient matrix A[i][j]
# (i: vertical frequency - 1, j: horizontal frequency - 1): which coefficients change
# sign, and whether the matrix is transposed. Hashing from pixels uses the same table.
_ROW, _COL = np.indices((16, 16))
DIHEDRAL_TRANSFORMS: dict[str, tuple[np.ndarray, bool]] = {
    "original": (np.zeros((16, 16), dtype=bool), False),
    "rotate90": (_COL % 2 == 0, True),
    "rotate180": ((_ROW + _COL) % 2 == 1, False),
    "rotate270": (_ROW % 2 == 0, True),
    "flipx": (_ROW % 2 == 0, False),
    "flipy": (_COL % 2 == 0, False),
    "flipplus1": (np.zeros((16, 16), dtype=bool), True),
    "flipminus1": ((_ROW + _COL) % 2 == 1, True),
}
DIHEDRAL_NAMES: tuple[str, ...] = tuple(DIHEDRAL_TRANSFORMS)


def dihedral_variants(pdq_hex: str) -> dict[str, str]:
    """The 8 dihedral variants of a PDQ hash (``original`` first), as lowercase hex."""
    bits = _to_matrix(parse_hex(pdq_hex, 64))
    variants = {}
    for name, (negate, transpose) in DIHEDRAL_TRANSFORMS.items():
        changed = bits ^ negate
        variants[name] = _to_hex(changed.T if transpose else changed)
    return variants


def _to_matrix(pdq_hex: str) -> np.ndarray:
    """16×16 matrix whose [i][j] is bit i*16+j of the hash (bit 0: last hex digit, low bit)."""
    flat = np.unpackbits(np.frombuffer(bytes.fromhex(pdq_hex), dtype=np.uint8))
    return flat[::-1].reshape(16, 16).astype(bool)


def _to_hex(matrix: np.ndarray) -> str:
    return np.packbits(matrix.reshape(256)[::-1]).tobytes().hex()
