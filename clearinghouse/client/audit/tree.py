"""Locating entries that do not match the tree a signed checkpoint commits to.

A root mismatch alone says *that* the served entries are not the signed log, not *which*
entry is wrong. So after each page the auditor checks its own root of the prefix against
the signed root with a consistency proof from the server. When a page fails, bisecting
inside it with more consistency proofs finds the first entry whose prefix no longer
matches; that entry is reported. The auditor then takes the server's committed frontier
just past it (the left-hand hashes of a consistency proof, checked against the signed
root) and carries on, so every later altered entry is named too. The few indexes where no
frontier can be taken (powers of two, whose root a consistency proof leaves out) are
checked against an inclusion proof instead.

The proofs only *locate*: whatever the server answers, the verdict rests on the signed
root, and a server that lies in its proofs can at worst move where a mismatch is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from clearinghouse.client.audit.findings import LogSource
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog import (
    CompactRange,
    frontier_from_consistency_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = ["TreeCheck"]


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


class TreeCheck:
    """Feeds pages of leaf hashes and reports each entry that departs from the signed tree.

    ``size`` and ``root`` are the signed checkpoint's; ``problem(index, check, detail)``
    receives each located entry. Past ``max_located`` entries (a removal shifts every
    later one) locating stops: each costs a few proofs, and the verdict is already in.
    """

    def __init__(
        self,
        source: LogSource,
        size: int,
        root: bytes,
        problem: Callable[[int | None, str, str], None],
        max_located: int = 20,
    ) -> None:
        self.source = source
        self.size = size
        self.root = root
        self.problem = problem
        self.max_located = max_located
        self.located = 0
        self.range = CompactRange()  # agrees with the signed tree up to range.size
        self.resume_at = 0  # entries below this are checked one by one
        self.stopped = False

    def add_page(self, start: int, leaves: Sequence[bytes], end_proof: list[bytes] | None) -> None:
        """Check leaves ``start, start+1, ...``; ``end_proof`` is the consistency proof
        from the page's end to the signed size, fetched with the page (None to fetch)."""
        i = 0
        while i < len(leaves) and not self.stopped:
            index = start + i
            if index < self.resume_at:
                self._check_one(index, leaves[i])
                i += 1
                continue
            if index == self.resume_at and self.range.size != index and not self._resync(index):
                return
            extended = self._extend(self.range, leaves[i:])
            if self._agrees(start + len(leaves), extended.root(), end_proof):
                self.range = extended
                return
            bad = self._first_departure(index, leaves[i:])
            self._located(bad, "(altered, inserted, removed or moved)")
            if self.stopped:
                return
            # Carry on from the server's frontier just past the bad entry; a power of two
            # has no frontier in a proof, so the entries before the next index that has
            # one are checked on their own.
            resume = bad + 1
            while resume < self.size and _is_power_of_two(resume):
                resume += 1
            self.resume_at = resume
            i = bad + 1 - start

    def _extend(self, base: CompactRange, leaves: Sequence[bytes]) -> CompactRange:
        out = CompactRange(base.size, base.hashes)
        for leaf in leaves:
            out.append(leaf)
        return out

    def _agrees(self, size: int, root: bytes, proof: list[bytes] | None = None) -> bool:
        """Whether the prefix of ``size`` entries with ``root`` is a prefix of the signed tree."""
        if size == self.size:
            return root == self.root
        if proof is None:
            proof = self.source.consistency_proof(size, self.size)
        try:
            verify_consistency(size, self.size, root, self.root, proof)
        except VerificationError:
            return False
        return True

    def _first_departure(self, start: int, leaves: Sequence[bytes]) -> int:
        """The first index in the page whose prefix disagrees (the page's end does)."""
        good, bad = start, start + len(leaves)  # prefix good agrees, prefix bad does not
        while bad - good > 1:
            mid = (good + bad) // 2
            if self._agrees(mid, self._extend(self.range, leaves[: mid - start]).root()):
                good = mid
            else:
                bad = mid
        return bad - 1

    def _resync(self, index: int) -> bool:
        """Adopt the signed tree's frontier at ``index``; False (and stop) if it cannot."""
        proof = self.source.consistency_proof(index, self.size)
        try:
            frontier = frontier_from_consistency_proof(index, self.size, proof)
            candidate = CompactRange(index, frontier)
            verify_consistency(index, self.size, candidate.root(), self.root, proof)
        except (InvalidInput, VerificationError) as exc:
            self.problem(
                None,
                "tree",
                f"the server's consistency proof from {index} to {self.size} does not verify "
                f"({exc}); entries from {index} on are not located one by one",
            )
            self.stopped = True
            return False
        self.range = candidate
        return True

    def _check_one(self, index: int, leaf: bytes) -> None:
        proof = self.source.inclusion_proof(index, self.size)
        try:
            verify_inclusion(leaf, index, self.size, proof, self.root)
        except VerificationError:
            self._located(index, "(its inclusion proof fails)")

    def _located(self, index: int, how: str) -> None:
        self.problem(
            index, "tree", f"this entry is not the one the signed checkpoint commits to {how}"
        )
        self.located += 1
        if self.located >= self.max_located:
            self.problem(
                None,
                "tree",
                f"{self.located} entries depart from the signed tree; the entries after "
                f"entry {index} are not located one by one",
            )
            self.stopped = True
