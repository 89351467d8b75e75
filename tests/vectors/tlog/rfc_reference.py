"""The RFC 9162 §2.1 definitions, transcribed literally: the slow, obviously-correct twin.

MTH (§2.1.1), PATH (§2.1.3.1) and PROOF/SUBPROOF (§2.1.4.1) work on the list of entries
directly and recurse exactly as the RFC writes them. Nothing here is fast or clever; the
generator and the tests compare the stored-node implementation against it.
"""

from __future__ import annotations

from hashlib import sha256


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(entries: list[bytes]) -> bytes:
    """MTH(D[n]): the Merkle Tree Hash of a list of entries."""
    n = len(entries)
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return sha256(b"\x00" + entries[0]).digest()
    k = _split(n)
    return sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


def path(m: int, entries: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of entry m, leaf to root."""
    n = len(entries)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def proof(m: int, entries: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): the consistency proof from the first m entries; empty for m in {0, n}."""
    if m == 0 or m == len(entries):
        return []
    return _subproof(m, entries, True)


def _subproof(m: int, entries: list[bytes], complete: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if complete else [mth(entries)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, entries[:k], complete), mth(entries[k:])]
    return [*_subproof(m - k, entries[k:], False), mth(entries[:k])]
