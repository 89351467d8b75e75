"""``verify_log``: the whole audit of DESIGN §6 in one streaming pass.

The signed checkpoint fixes the log's size and root. Entries are fetched a page of 1,000
at a time (the next page while this one is checked) and each page is hashed into the
auditor's own tree, checked against the signed tree (``tree.TreeCheck`` names each entry
that departs from it), replayed through the membership and statement rules
(``entries.EntryChecker``), compared with the leaves saved by the previous run, and its
statement signatures verified (``signatures``). Memory is bounded by a page, the tree's
O(log n) frontier and the member keys, whatever the log's length.

Only a clean run moves the saved state forward; a failing one leaves it as it was, so the
next run still compares against the last checkpoint known to be good.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from clearinghouse.client.audit.entries import EntryChecker, SignatureJob
from clearinghouse.client.audit.findings import AuditReport, LogSource
from clearinghouse.client.audit.signatures import SignatureChecker
from clearinghouse.client.audit.state import LeafWriter, SavedLeaves, load_state, save_state
from clearinghouse.client.audit.tree import TreeCheck
from clearinghouse.client.audit.trust import choose_log_key, signed_checkpoint
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog import CompactRange, leaf_hash, verify_consistency
from clearinghouse.wire import LOG_ENTRIES_LIMIT, b64encode

__all__ = ["PAGE", "verify_log"]

PAGE = LOG_ENTRIES_LIMIT  # entries fetched per request
# Entries that differ from the previous run are named one by one up to this many; a
# rewrite of a long stretch is then summed up in one line.
_NAMED_CHANGES = 10


def verify_log(
    source: LogSource,
    *,
    state: str | Path | None = None,
    log_key: str | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    recheck: bool = False,
) -> AuditReport:
    """Audit the log ``source`` serves; with ``state``, against and then into that file.

    ``log_key`` is the vkey the checkpoint must be signed with (default: the one pinned in
    the state, else the server's on first use). ``workers`` > 1 verifies statement
    signatures in that many processes. ``progress(done, total)`` is called per page.
    Statements a previous clean run verified, unchanged since, are not verified again
    unless ``recheck``.
    """
    report = AuditReport()
    saved = load_state(state) if state is not None else None
    vkey, problems, warnings = choose_log_key(
        source.log_key(), log_key, saved.vkey if saved else None
    )
    for detail in problems:
        report.add(None, "log key", detail)
    report.warnings.extend(warnings)
    note = source.log_checkpoint()
    try:
        checkpoint = signed_checkpoint(note, vkey)
    except VerificationError as exc:
        report.add(None, "checkpoint", f"not signed by the log key {vkey}: {exc.detail}")
        return report
    report.origin, report.size, report.root = (
        checkpoint.origin,
        checkpoint.size,
        checkpoint.root_hash,
    )
    old_leaves = _check_saved_checkpoint(source, report, saved)
    writer = LeafWriter(saved.path) if saved is not None else None
    try:
        _stream(source, report, old_leaves, writer, workers, progress, recheck)
        if report.ok and saved is not None and writer is not None:
            save_state(saved.path, vkey, note, checkpoint.size, checkpoint.root_hash, writer)
            writer = None
    finally:
        if writer is not None:
            writer.discard()
        if old_leaves is not None:
            old_leaves.close()
    report.problems.sort(key=lambda p: (p.index is not None, p.index or 0))
    return report


def _check_saved_checkpoint(source: LogSource, report: AuditReport, saved) -> SavedLeaves | None:
    """Consistency of the signed log with the checkpoint the last clean run saved."""
    if saved is None or saved.root is None:
        return None
    size, previous = report.size, saved.size
    report.previous_size = previous
    if previous > size:
        report.add(
            None,
            "consistency",
            f"the log shrank from {previous} entries (saved checkpoint) to {size}",
        )
    elif previous:
        proof = source.consistency_proof(previous, size) if previous < size else []
        try:
            verify_consistency(previous, size, saved.root, report.root, proof)
        except VerificationError as exc:
            report.add(
                None,
                "consistency",
                f"the log of {size} entries does not extend the checkpoint saved at size "
                f"{previous}: a fork or a rewrite of history ({exc.detail})",
            )
    leaves = saved.open_leaves()
    if leaves is None and previous:
        report.warnings.append(
            f"the leaf hashes saved with the state ({saved.leaves_path}) are missing or "
            "damaged: changed entries are detected but not named against the previous run"
        )
    return leaves


class _Serialised:
    """One call at a time to the source: the page fetcher and the checks share it."""

    def __init__(self, source: LogSource) -> None:
        self._source = source
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._source, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return method(*args, **kwargs)

        return call


def _stream(
    source: LogSource,
    report: AuditReport,
    old_leaves: SavedLeaves | None,
    writer: LeafWriter | None,
    workers: int,
    progress: Callable[[int, int], None] | None,
    recheck: bool,
) -> bool:
    """Check every entry of the signed tree; False if the server stopped serving them."""
    size = report.size or 0
    source = _Serialised(source)
    tree = TreeCheck(source, size, report.root, report.add)
    rules = EntryChecker(report.add)
    mine = CompactRange()
    changed: list[int] = []
    # While every entry so far is byte for byte one a clean earlier run verified, the
    # key history replayed up to here is the same too, so each signature's verdict is
    # the one that run reached: only new or changed entries need Ed25519 again.
    unchanged = old_leaves is not None and not recheck

    def bad_signature(job: SignatureJob) -> None:
        report.add(
            job.index,
            "signature",
            f"the envelope's signature does not verify with key {job.key_id} of {job.member!r}",
        )

    signatures = SignatureChecker(bad_signature, workers)

    def fetch(start: int) -> tuple[list[tuple[int, bytes]], list[bytes] | None]:
        end = min(size, start + PAGE)
        try:
            entries = source.log_entries(start, end)
        except (VerificationError, InvalidInput):
            entries = _served_prefix(source, start, end)
        proof = source.consistency_proof(end, size) if end < size else None
        return entries, proof

    complete = True
    with ThreadPoolExecutor(1) as fetcher:
        ahead: Future | None = fetcher.submit(fetch, 0) if size else None
        try:
            for start in range(0, size, PAGE):
                entries, end_proof = ahead.result()
                following = start + PAGE
                ahead = fetcher.submit(fetch, following) if following < size else None
                end = min(size, following)
                served = _in_order(entries, start)
                if len(served) < end - start:
                    report.add(
                        start + len(served),
                        "entries",
                        "the server does not serve this entry (missing, or out of order); "
                        "the entries after it were not checked",
                    )
                    complete = False
                    end_proof = None
                leaves = [leaf_hash(data) for _, data in served]
                for leaf in leaves:
                    mine.append(leaf)
                tree.add_page(start, leaves, end_proof)
                saved = old_leaves.read(start, len(leaves)) if old_leaves is not None else []
                jobs = []
                for offset, (index, data) in enumerate(served):
                    if offset < len(saved) and saved[offset] != leaves[offset]:
                        changed.append(index)
                        unchanged = False
                    job = rules.check(index, data)
                    if job is None:
                        continue
                    if unchanged and offset < len(saved):
                        report.carried += 1
                    else:
                        jobs.append(job)
                if writer is not None:
                    writer.write(leaves)
                signatures.submit(jobs)
                report.checked += len(served)
                report.statements += len(jobs)
                if progress is not None:
                    progress(report.checked, size)
                if not complete:
                    break
                # Bounded memory even when a rewrite changes every entry.
                del changed[_NAMED_CHANGES + 1 :]
            signatures.finish()
        finally:
            signatures.close()
            if ahead is not None:
                ahead.cancel()
    _report_changes(report, changed, old_leaves)
    if complete and mine.root() != report.root:
        report.add(
            None,
            "root",
            f"the entries served hash to root {b64encode(mine.root())}, not the signed "
            f"{b64encode(report.root)}",
        )
    return complete


def _in_order(entries: list[tuple[int, bytes]], start: int) -> list[tuple[int, bytes]]:
    """The leading entries that carry the indexes start, start+1, ..."""
    out = []
    for offset, (index, data) in enumerate(entries):
        if index != start + offset:
            break
        out.append((index, data))
    return out


def _served_prefix(source: LogSource, start: int, end: int) -> list[tuple[int, bytes]]:
    """The longest run of entries from ``start`` the server serves in order (bisected)."""
    good, bad = 0, end - start  # serving ``good`` entries works, ``bad`` does not
    while bad - good > 1:
        mid = (good + bad) // 2
        try:
            source.log_entries(start, start + mid)
        except (VerificationError, InvalidInput):
            bad = mid
        else:
            good = mid
    return source.log_entries(start, start + good) if good else []


def _report_changes(
    report: AuditReport, changed: list[int], old_leaves: SavedLeaves | None
) -> None:
    if old_leaves is None:
        return
    for index in changed[:_NAMED_CHANGES]:
        report.add(
            index,
            "history",
            f"this entry differs from the one at index {index} when the checkpoint of size "
            f"{old_leaves.size} was verified",
        )
    if len(changed) > _NAMED_CHANGES:
        report.add(
            None,
            "history",
            f"more than {_NAMED_CHANGES} of the {old_leaves.size} entries verified before "
            "differ now: the log was rewritten",
        )
