"""Sending a file of hash lines as statements of at most 10,000 items, resumably.

The input is what ``clearinghouse hash`` prints: one JSON object per line, either a
signal (``{"path", "signal_type", "value", "quality"?, "content_type"}``) or a file it
could not hash (``{"path", "error"}``, skipped with a warning). Blank lines are ignored.

The whole file is checked locally first, so a bad line stops the run before anything is
sent. Then consecutive item lines are signed into statements and sent one at a time;
``progress.Journal`` records each acknowledged one, so an interrupted run resumes where it
stopped and re-sends nothing that was acknowledged (see that module for the guarantee).
A journalled line range whose bytes have changed since is refused rather than skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearinghouse.client.api import Client
from clearinghouse.client.errors import ProblemError
from clearinghouse.client.progress import Acknowledged, Journal, Pending
from clearinghouse.client.statements import MAX_ITEMS
from clearinghouse.crypto import Envelope
from clearinghouse.errors import InvalidInput

__all__ = ["Outcome", "StatementFile", "read_hash_lines"]

_MAX_LISTED_ERRORS = 50

ItemMaker = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Outcome:
    """One statement acknowledged during this run; ``resent`` if it was a pending one."""

    ack: Acknowledged
    resent: bool = False


def read_hash_lines(path: Path) -> Iterator[tuple[int, bytes, dict[str, Any] | None, str | None]]:
    """``(line number, raw bytes, signal line or None, why skipped or None)`` per line.

    Lines that are not JSON objects raise InvalidInput naming the line.
    """
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                yield number, raw, None, None
                continue
            try:
                data = json.loads(raw)
            except ValueError:
                raise InvalidInput(f"{path}:{number}: not a JSON line") from None
            if not isinstance(data, dict):
                raise InvalidInput(f"{path}:{number}: not a JSON object")
            if "error" in data and "value" not in data:
                yield number, raw, None, f"{data.get('path', '?')}: {data['error']}"
                continue
            yield number, raw, data, None


class StatementFile:
    """One input file sent as statements of one kind, with its journal."""

    def __init__(
        self,
        client: Client,
        kind: str,
        path: str | Path,
        make_item: ItemMaker,
        *,
        options: dict[str, Any],
        batch_size: int = MAX_ITEMS,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_ITEMS:
            raise InvalidInput(f"batch size must be between 1 and {MAX_ITEMS}")
        self.client = client
        self.kind = kind
        self.path = Path(path)
        self.make_item = make_item
        self.batch_size = batch_size
        self.warn = warn or (lambda message: None)
        self.journal = Journal(self.path, kind, options)
        self._hasher = hashlib.sha256()  # over the acknowledged range being re-read

    def check(self) -> int:
        """Read the whole file once, raising every bad line at once; the number of lines."""
        errors, count = [], 0
        for number, _, data, _ in read_hash_lines(self.path):
            count = number
            if data is None or number < self.journal.next_line:
                continue
            try:
                self.make_item(data)
            except InvalidInput as exc:
                errors.append({"line": number, "reason": exc.detail})
        if errors:
            raise InvalidInput(
                f"{self.path}: {len(errors)} bad line(s), nothing sent",
                errors=errors[:_MAX_LISTED_ERRORS],
            )
        return count

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
        for number, raw, data, skipped in read_hash_lines(self.path):
            if number < resume_at:
                done = self._verify(done, number, raw)
                continue
            if skipped:
                self.warn(f"{self.path}:{number}: skipped, {skipped}")
            chunk.add(number, raw, None if data is None else self.make_item(data))
            if len(chunk.items) == self.batch_size:
                yield Outcome(self._sign_and_send(chunk))
                progress(chunk.last_line - chunk.first_line + 1)
                chunk = _Chunk(number + 1)
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

    def add(self, number: int, raw: bytes, item: dict[str, Any] | None) -> None:
        self._raw.append(raw)
        if item is not None:
            self.items.append(item)
            self.item_lines.append(number)
            self.last_line = number

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
