"""One proof at a time: is this entry in the signed log, does the log extend that tree.

For an auditor who holds a receipt (an entry index, or an older checkpoint) and wants to
check just that against the server's current signed checkpoint, without a full audit.
Any failure is VerificationError; a success returns what was checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clearinghouse.client.audit.findings import LogSource
from clearinghouse.client.audit.trust import signed_checkpoint, trusted_checkpoint
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog import (
    CompactRange,
    leaf_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from clearinghouse.wire import LOG_ENTRIES_LIMIT, b64encode

if TYPE_CHECKING:
    from clearinghouse.tlog.checkpoint import Checkpoint

__all__ = ["check_consistency", "check_inclusion", "recompute_root"]


def check_inclusion(
    source: LogSource,
    index: int,
    tree_size: int | None = None,
    *,
    log_key: str | None = None,
    pinned: str | None = None,
) -> dict[str, Any]:
    """Check that entry ``index``, as served, is in the tree of ``tree_size`` entries
    (default: the signed size), and that tree in the signed one."""
    checkpoint, vkey, warnings = trusted_checkpoint(source, log_key, pinned)
    size = checkpoint.size if tree_size is None else tree_size
    if not 0 <= index < size <= checkpoint.size:
        raise InvalidInput(
            f"need 0 <= index < tree size <= {checkpoint.size} (the signed size), "
            f"got index {index}, tree size {size}"
        )
    served = source.log_entries(index, index + 1)
    if len(served) != 1 or served[0][0] != index:
        raise VerificationError(f"the server does not serve entry {index}")
    leaf = leaf_hash(served[0][1])
    proof = source.inclusion_proof(index, size)
    try:
        if size == checkpoint.size:
            verify_inclusion(leaf, index, size, proof, checkpoint.root_hash)
        else:
            # The tree of ``size`` is not signed itself: its root is the one the
            # inclusion proof implies, which must then be a prefix of the signed tree.
            root = root_from_inclusion_proof(leaf, index, size, proof)
            _prefix_of_signed(source, size, root, checkpoint)
    except VerificationError as exc:
        raise VerificationError(
            f"entry {index} as served is not in the signed log at tree size {size}: {exc.detail}"
        ) from None
    return {
        "index": index,
        "tree_size": size,
        "leaf_hash": b64encode(leaf),
        **_signed_by(checkpoint, vkey, warnings),
    }


def check_consistency(
    source: LogSource,
    first: int | None = None,
    second: int | None = None,
    *,
    first_root: bytes | None = None,
    first_checkpoint: str | None = None,
    log_key: str | None = None,
    pinned: str | None = None,
) -> dict[str, Any]:
    """Check that the tree of ``first`` entries is a prefix of that of ``second`` (default:
    the signed size), and that one of the signed tree.

    The first tree's root is ``first_root``, or that of ``first_checkpoint`` (an older
    signed note, whose size is then ``first``), or else recomputed from the entries
    served; a ``second`` below the signed size is always recomputed.
    """
    checkpoint, vkey, warnings = trusted_checkpoint(source, log_key, pinned)
    if first_checkpoint is not None:
        old = signed_checkpoint(first_checkpoint, vkey)
        if first is not None and first != old.size:
            raise InvalidInput(f"the first checkpoint has size {old.size}, not {first}")
        first, first_root = old.size, old.root_hash
    second = checkpoint.size if second is None else second
    if first is None or not 0 < first <= second <= checkpoint.size:
        raise InvalidInput(
            f"need 0 < first <= second <= {checkpoint.size} (the signed size), "
            f"got first {first}, second {second}"
        )
    roots = {}
    if second < checkpoint.size or first_root is None:
        roots = recompute_root(source, sorted({first, second}))
    first_root = roots[first] if first_root is None else first_root
    second_root = roots.get(second, checkpoint.root_hash)
    try:
        if first < second:
            verify_consistency(
                first, second, first_root, second_root, source.consistency_proof(first, second)
            )
        elif first_root != second_root:
            raise VerificationError("the two trees have the same size and different roots")
        if second < checkpoint.size:
            _prefix_of_signed(source, second, second_root, checkpoint)
    except VerificationError as exc:
        raise VerificationError(
            f"the tree of {first} entries is not a prefix of the signed log's tree of "
            f"{second}: {exc.detail}"
        ) from None
    return {
        "first": first,
        "second": second,
        "first_root": b64encode(first_root),
        "second_root": b64encode(second_root),
        **_signed_by(checkpoint, vkey, warnings),
    }


def recompute_root(source: LogSource, sizes: list[int]) -> dict[int, bytes]:
    """The roots of the trees of each of ``sizes`` entries, from the entries served."""
    tree = CompactRange()
    roots: dict[int, bytes] = {}
    wanted = sorted(set(sizes))
    for size in wanted:
        while tree.size < size:
            start = tree.size
            end = min(size, start + LOG_ENTRIES_LIMIT)
            served = source.log_entries(start, end)
            if [i for i, _ in served] != list(range(start, end)):
                raise VerificationError(f"the server does not serve entries {start} to {end}")
            for _, data in served:
                tree.append(leaf_hash(data))
        roots[size] = tree.root()
    return roots


def _prefix_of_signed(source: LogSource, size: int, root: bytes, checkpoint: Checkpoint) -> None:
    """VerificationError unless the tree of ``size`` entries with ``root`` is a prefix
    of the signed tree (requires ``size < checkpoint.size``)."""
    verify_consistency(
        size,
        checkpoint.size,
        root,
        checkpoint.root_hash,
        source.consistency_proof(size, checkpoint.size),
    )


def _signed_by(checkpoint: Checkpoint, vkey: str, warnings: list) -> dict[str, Any]:
    """The part of a proof's answer that says which signed tree it was checked against."""
    return {
        "checkpoint": {
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "root": b64encode(checkpoint.root_hash),
        },
        "log_key": vkey,
        "warnings": warnings,
    }
