"""Checking statement signatures, inline or spread over worker processes.

Ed25519 verification is most of an audit's work and holds the interpreter lock, so
threads do not help; a process pool does. Jobs are sent a page at a time and at most a
few pages are in flight, so memory stays bounded however long the log is.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from clearinghouse.client.audit.entries import SignatureJob
from clearinghouse.crypto.bulk_verify import verify_signature
from clearinghouse.errors import VerificationError

__all__ = ["SignatureChecker", "failed_signatures"]


def failed_signatures(jobs: Sequence[SignatureJob]) -> list[SignatureJob]:
    """The jobs none of whose candidate signatures verifies."""
    failed = []
    for job in jobs:
        for sig in job.signatures:
            try:
                verify_signature(job.public_key, sig, job.message)
                break
            except VerificationError:
                continue
        else:
            failed.append(job)
    return failed


class SignatureChecker:
    """Checks batches of jobs and reports each failure through ``on_failure``."""

    def __init__(self, on_failure: Callable[[SignatureJob], None], workers: int = 1) -> None:
        self.on_failure = on_failure
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[Future] = deque()

    def submit(self, jobs: list[SignatureJob]) -> None:
        """Check ``jobs`` now (one worker) or in the pool, collecting older batches."""
        if not jobs:
            return
        if self.workers <= 1:
            self._report(failed_signatures(jobs))
            return
        if self._pool is None:
            # forkserver: the auditor runs a fetching thread, and forking a threaded
            # process can copy a held lock into the child.
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("forkserver")
            )
        step = -(-len(jobs) // self.workers)
        for start in range(0, len(jobs), step):
            self._pending.append(self._pool.submit(failed_signatures, jobs[start : start + step]))
        while len(self._pending) > 3 * self.workers:
            self._report(self._pending.popleft().result())

    def finish(self) -> None:
        """Wait for every batch and stop the workers."""
        try:
            while self._pending:
                self._report(self._pending.popleft().result())
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers without waiting for results."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self._pending.clear()

    def _report(self, failed: list[SignatureJob]) -> None:
        for job in failed:
            self.on_failure(job)
