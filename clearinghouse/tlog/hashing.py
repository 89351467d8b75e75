"""The RFC 6962 / RFC 9162 hasher: SHA-256 with domain-separated leaves and nodes.

A leaf is hashed as ``SHA-256(0x00 || entry)`` and an interior node as
``SHA-256(0x01 || left || right)``; the distinct prefixes stop a leaf from being passed
off as a node (a second-preimage attack on the tree). The empty tree's root is
``SHA-256("")``.
"""

from __future__ import annotations

from hashlib import sha256

__all__ = ["EMPTY_ROOT", "HASH_SIZE", "leaf_hash", "node_hash"]

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || entry)."""
    return sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return sha256(_NODE_PREFIX + left + right).digest()
