"""Sending a file of hash lines as statements of at most 10,000 items, resumably.

The input is any form ``hash_lines`` reads: what ``clearinghouse hash`` or ``match --json``
print, the ``threatexchange dataset`` CSV, or ``type value`` lines. Blank lines, files
``hash`` could not read and (counted) PDQ hashes below the minimum quality state nothing.

The whole file is checked locally first — every bad line named — so a bad line stops the
run before anything is sent, unless the caller chose to skip bad lines. Then consecutive
item lines are signed into statements and sent one at a time;
``progress.Journal`` records each acknowledged one, so an interrupted run resumes where it
stopped and re-sends nothing that was acknowledged (see that module for the guarantee).
A journalled line range whose bytes have changed since is refused rather than skipped.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearinghouse.client.api import Client
from clearinghouse.client.errors import ProblemError
from clearinghouse.client.hash_lines import HashLine, read_hash_lines
from clearinghouse.client.progress import Acknowledged, Journal, Pending
from clearinghouse.client.statements import MAX_ITEMS, BelowMinimumQuality
from clearinghouse.crypto import Envelope
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog import log_identity

__all__ = ["Outcome", "Plan", "StatementFile"]

_MAX_LISTED_ERRORS = 50

ItemsMaker = Callable[[dict[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Outcome:
    """One statement acknowledged during this run; ``resent`` if it was a pending one."""

    ack: Acknowledged
    resent: bool = False


@dataclass
class Plan:
    """What a run would send, found by reading the whole file before sending anything."""

    lines: int = 0
    items: int = 0
    item_lines: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    below_quality: list[int] = field(default_factory=list)
    unhashed: list[int] = field(default_factory=list)
    acknowledged_lines: int = 0


class StatementFile:
    """One input file sent as statements of one kind, with its journal.

    ``make_items`` turns one record into the items it states (one for a hash line, one
    per match for a ``match --json`` line); it raises ``InvalidInput`` for a bad record
    and ``BelowMinimumQuality`` for a hash the server would refuse for its quality.
    ``identity`` (the log's identity, member, key_id) keys the journal: the same file
    sent as another member, with another key or to another log starts from the
    beginning; the same log reached through another URL resumes.
    """

    def __init__(
        self,
        client: Client,
        kind: str,
        path: str | Path,
        make_items: ItemsMaker,
        *,
        options: dict[str, Any],
        identity: dict[str, Any] | None = None,
        batch_size: int = MAX_ITEMS,
        skip_invalid: bool = False,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_ITEMS:
            raise InvalidInput(f"batch size must be between 1 and {MAX_ITEMS}")
        self.client = client
        self.kind = kind
        self.path = Path(path)
        self.make_items = make_items
        self.batch_size = batch_size
        self.skip_invalid = skip_invalid
        self.warn = warn or (lambda message: None)
        former = None
        if identity is None:
            who = {"member": client.member, "key_id": client.key.key_id}
            former = {"server": client.server, **who}  # how earlier versions keyed it
            served = client.log_key()
            if not log_identity(served):
                raise VerificationError(f"the server's log key {served[:80]!r} is not a vkey")
            identity = {"log": log_identity(served), **who}
        self.journal = Journal(
            self.path, kind, options, identity, former, lambda: _log_size(client)
        )
        self._hasher = hashlib.sha256()  # over the acknowledged range being re-read

    def _items(self, line: HashLine) -> tuple[list[dict[str, Any]], str | None]:
        """The items of one line and, when it states nothing, the kind of reason why."""
        if line.error is not None:
            return [], "invalid"
        if line.record is None:
            return [], "unhashed" if line.skipped else None
        try:
            return self.make_items(line.record), None
        except BelowMinimumQuality:
            return [], "below_quality"
        except InvalidInput:
            return [], "invalid"

    def check(self) -> Plan:
        """Read the whole file once; every bad line raises at once unless ``skip_invalid``."""
        plan = Plan()
        for line in read_hash_lines(self.path):
            plan.lines = line.number
            if line.number < self.journal.next_line:
                plan.acknowledged_lines = line.number
                continue
            if line.error is not None:
                plan.invalid.append({"line": line.number, "reason": line.error})
                continue
            if line.record is None:
                if line.skipped:
                    plan.unhashed.append(line.number)
                continue
            try:
                items = self.make_items(line.record)
            except BelowMinimumQuality:
                plan.below_quality.append(line.number)
                continue
            except InvalidInput as exc:
                plan.invalid.append({"line": line.number, "reason": exc.detail})
                continue
            plan.items += len(items)
            plan.item_lines += 1 if items else 0
        if plan.invalid and not self.skip_invalid:
            raise InvalidInput(
                f"{self.path}: {len(plan.invalid)} bad line(s), nothing sent "
                "(fix them, or give --skip-invalid to send the rest)",
                errors=plan.invalid[:_MAX_LISTED_ERRORS],
            )
        return plan

    def run(self, progress: Callable[[int], None] | None = None) -> Iterator[Outcome]:
        """Send what is not yet acknowledged, yielding each statement as it is accepted."""
        progress = progress or (lambda lines: None)
        pending = self.journal.pending()
        if pending is not None:
            yield Outcome(self._send(pending, []), resent=True)
        done = list(self.journal.acknowledged)
        resume_at = self.journal.next_line
        progress(resume_at - 1)
        chunk = _Chunk(resume_at)
        for line in read_hash_lines(self.path):
            if line.number < resume_at:
                done = self._verify(done, line.number, line.raw)
                continue
            items, _ = self._items(line)
            if chunk.items and len(chunk.items) + len(items) > self.batch_size:
                yield Outcome(self._sign_and_send(chunk))
                progress(chunk.last_line - chunk.first_line + 1)
                chunk = chunk.carry()
            chunk.add(line.number, line.raw, items)
            if len(chunk.items) >= self.batch_size:
                yield Outcome(self._sign_and_send(chunk))
                progress(chunk.last_line - chunk.first_line + 1)
                chunk = _Chunk(line.number + 1)
        if chunk.items:
            yield Outcome(self._sign_and_send(chunk))
            progress(chunk.last_line - chunk.first_line + 1)

    def _sign_and_send(self, chunk: _Chunk) -> Acknowledged:
        envelope = self.client.sign(self.kind, chunk.items)
        pending = Pending(
            chunk=self.journal.next_chunk,
            first_line=chunk.first_line,
            last_line=chunk.last_line,
            items=len(chunk.items),
            lines_sha256=chunk.lines_sha256(),
            digest=envelope.digest(),
            envelope=envelope.to_dict(),
        )
        self.journal.save_pending(pending)  # before sending: a re-run re-sends exactly this
        return self._send(pending, chunk.item_lines)

    def _send(self, pending: Pending, item_lines: list[int]) -> Acknowledged:
        body = Envelope.from_dict(pending.envelope).to_json()
        try:
            answer = self.client.submit_envelope(self.kind, body)
        except ProblemError as exc:
            if exc.status < 500:
                # Refused outright, so nothing was stored: the envelope must not linger.
                self.journal.pending_path.unlink(missing_ok=True)
                _add_line_numbers(exc, item_lines)
            raise
        statuses = Counter(str(i.get("status")) for i in answer.get("items", []))
        ack = Acknowledged(
            chunk=pending.chunk,
            first_line=pending.first_line,
            last_line=pending.last_line,
            items=pending.items,
            lines_sha256=pending.lines_sha256,
            digest=pending.digest,
            statement_id=answer.get("statement_id"),
            log_index=answer.get("log_index"),
            counts=dict(sorted(statuses.items())),
        )
        self.journal.acknowledge(ack)
        return ack

    def _verify(self, done: list[Acknowledged], number: int, raw: bytes) -> list[Acknowledged]:
        """Hash the lines of acknowledged ranges as they stream by; refuse a changed one."""
        while done and number > done[0].last_line:
            done = done[1:]
        if not done or number < done[0].first_line:
            return done
        head = done[0]
        if number == head.first_line:
            self._hasher = hashlib.sha256()
        self._hasher.update(raw + b"\n")
        if number == head.last_line and self._hasher.hexdigest() != head.lines_sha256:
            raise InvalidInput(
                f"{self.path}: lines {head.first_line}–{head.last_line} changed since they "
                f"were sent (statement {head.statement_id}); restore the file, or remove "
                f"{self.journal.path} to send it again as new statements"
            )
        return done


class _Chunk:
    """Consecutive lines from ``first_line`` being gathered into one statement."""

    def __init__(self, first_line: int) -> None:
        self.first_line = first_line
        self.last_line = first_line - 1
        self.items: list[dict[str, Any]] = []
        self.item_lines: list[int] = []
        self._raw: list[bytes] = []

    def add(self, number: int, raw: bytes, items: list[dict[str, Any]]) -> None:
        self._raw.append(raw)
        if items:
            self.items.extend(items)
            self.item_lines.extend([number] * len(items))
            self.last_line = number

    def carry(self) -> _Chunk:
        """The next chunk, holding the lines already read after ``last_line`` (no items)."""
        following = _Chunk(self.last_line + 1)
        following._raw = self._raw[self.last_line - self.first_line + 1 :]
        return following

    def lines_sha256(self) -> str:
        """SHA-256 of the lines ``first_line``–``last_line``, each ending in a newline."""
        hasher = hashlib.sha256()
        for raw in self._raw[: self.last_line - self.first_line + 1]:
            hasher.update(raw + b"\n")
        return hasher.hexdigest()


def _add_line_numbers(exc: ProblemError, item_lines: list[int]) -> None:
    """Name the input line of each bad item the server listed by index."""
    for error in exc.errors:
        index = error.get("index") if isinstance(error, dict) else None
        if isinstance(index, int) and 0 <= index < len(item_lines):
            error["line"] = item_lines[index]


def _log_size(client: Client) -> int:
    """The size the server's checkpoint states (unverified: it only bounds which journal
    of an earlier version may be this log's), 0 when it states none."""
    lines = client.log_checkpoint().split("\n")
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0
