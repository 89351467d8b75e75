"""Hex-encoded hash values: parsing to lowercase, and bit distances between them."""

from __future__ import annotations

from clearinghouse.signals.errors import SignalError

__all__ = ["hamming_distance", "parse_hex"]

_HEX_DIGITS = frozenset("0123456789abcdef")


def parse_hex(value: object, nchars: int, *, field: str = "value") -> str:
    """Return ``value`` as lowercase hex of exactly ``nchars`` characters, or raise SignalError."""
    if not isinstance(value, str):
        raise SignalError(
            field, f"expected a string of {nchars} hex characters, got {_kind(value)}"
        )
    if len(value) != nchars:
        raise SignalError(field, f"expected {nchars} hex characters, got {len(value)}")
    lowered = value.lower()
    if _HEX_DIGITS.issuperset(lowered):  # the common case, checked in C
        return lowered
    for position, char in enumerate(lowered):
        if char not in _HEX_DIGITS:
            raise SignalError(field, f"not hexadecimal: {char!r} at position {position}")
    return lowered


def hamming_distance(a: str, b: str) -> int:
    """Number of differing bits between two hex values of the same length."""
    if len(a) != len(b):
        raise ValueError(f"hex values differ in length: {len(a)} and {len(b)}")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _kind(value: object) -> str:
    """Name a JSON-ish type the way a member sees it on the wire."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
