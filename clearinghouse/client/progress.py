"""The resumable state of sending a file as statements: what was acknowledged, what is pending.

Two files sit next to the input (for a submission of ``hashes.jsonl``):

- ``hashes.jsonl.submitted-<id>`` — the journal, where ``<id>`` is 12 hex digits of the
  SHA-256 of the log's identity (its origin and key hash), member and key_id: the same
  file sent to another log, as another member or with another key has its own journal
  and is sent in full, while one server reached through two URLs keeps one journal.
  (A journal of an earlier version, keyed by the server URL, is taken over by the first
  run that finds it, unless it records log entries the log does not have.) JSON lines:
  a ``start`` record with that identity and the options the run was started with, then
  one ``acknowledged`` record per statement the server accepted (line range, hash of
  those lines, envelope digest, statement_id, log_index, counts). Appended and fsynced
  after each answer.
- ``hashes.jsonl.submitted-<id>.pending`` — the signed envelope of the statement being sent,
  written (atomically) *before* it is sent and removed once its acknowledgement is
  journalled. If a run is interrupted in between, the next run re-sends exactly this
  envelope: the server stores an envelope once and repeats its first answer, so nothing
  is ever stated twice.

Each acknowledged record holds the SHA-256 of its lines, so the journal is tied to the
file's content: lines appended later are sent on the next run, while a change to lines
already acknowledged is refused. Options may change freely until the server acknowledges
something; after that, a run with other options is refused (the statements already in the
log were made with the first ones).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clearinghouse.errors import InvalidInput

__all__ = ["JOURNAL_SUFFIXES", "Acknowledged", "Journal", "Pending"]

JOURNAL_SUFFIXES = {"submission": "submitted", "retraction": "retracted", "feedback": "sent"}
_VERSION = 1


@dataclass(frozen=True)
class _Chunk:
    """Which lines of the input a statement covers, and the statement's digest."""

    chunk: int
    first_line: int
    last_line: int
    items: int
    lines_sha256: str
    digest: str


@dataclass(frozen=True)
class Pending(_Chunk):
    """A signed statement about lines ``first_line``–``last_line`` that may have been sent."""

    envelope: dict[str, Any]


@dataclass(frozen=True)
class Acknowledged(_Chunk):
    """A statement the server accepted."""

    statement_id: Any
    log_index: Any
    counts: dict[str, int] = field(default_factory=dict)


class Journal:
    """The journal and pending envelope of one input file and statement kind."""

    def __init__(
        self,
        source: Path,
        kind: str,
        options: dict[str, Any],
        identity: dict[str, Any],
        former: dict[str, Any] | None = None,
        log_size: Callable[[], int] = lambda: 0,
    ) -> None:
        self.path = _journal_path(source, kind, identity)
        self.pending_path = self.path.with_name(self.path.name + ".pending")
        if former is not None and not self.path.exists():
            self._take_over(_journal_path(source, kind, former), log_size)
        self.kind = kind
        self.options = options
        self.identity = identity
        self.acknowledged: list[Acknowledged] = []
        self._load()

    def _take_over(self, old: Path, log_size: Callable[[], int]) -> None:
        """Move the journal an earlier version kept under ``old`` (and its pending
        envelope) to this journal's name, unless it records log entries that this log,
        of ``log_size()`` entries, does not have: then it was another log's."""
        if not old.exists() or not _within(old, log_size()):
            return
        old_pending = old.with_name(old.name + ".pending")
        if old_pending.exists():
            os.replace(old_pending, self.pending_path)
        if old.exists():
            os.replace(old, self.path)
            _sync_dir(self.path.parent)

    @property
    def next_line(self) -> int:
        """The first line (1-based) not covered by an acknowledged statement."""
        return self.acknowledged[-1].last_line + 1 if self.acknowledged else 1

    @property
    def next_chunk(self) -> int:
        return self.acknowledged[-1].chunk + 1 if self.acknowledged else 0

    def pending(self) -> Pending | None:
        """The envelope signed but not known to be acknowledged, if any."""
        try:
            data = json.loads(self.pending_path.read_bytes())
        except FileNotFoundError:
            return None
        except ValueError:
            # Written atomically, so a torn file means it was never complete, never sent.
            self.pending_path.unlink()
            return None
        pending = Pending(**data)
        if any(a.digest == pending.digest for a in self.acknowledged):
            self.pending_path.unlink()  # acknowledged, then interrupted before cleaning up
            return None
        return pending

    def save_pending(self, pending: Pending) -> None:
        """Durably keep the envelope about to be sent."""
        if not self.path.exists():
            self._append(
                {
                    "record": "start",
                    "version": _VERSION,
                    "kind": self.kind,
                    "identity": self.identity,
                    "options": self.options,
                }
            )
        tmp = self.pending_path.with_name(self.pending_path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(asdict(pending), fh, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.pending_path)
        _sync_dir(self.pending_path.parent)

    def acknowledge(self, ack: Acknowledged) -> None:
        """Durably record an accepted statement, then forget its pending envelope."""
        self._append({"record": "acknowledged", **asdict(ack)})
        self.acknowledged.append(ack)
        self.pending_path.unlink(missing_ok=True)

    def _load(self) -> None:
        if not self.path.exists():
            return
        raw = self.path.read_bytes()
        # An interrupted append leaves a torn last line: cut it off (it recorded nothing).
        end = raw.rfind(b"\n") + 1
        if end < len(raw):
            with open(self.path, "r+b") as fh:
                fh.truncate(end)
        try:
            records = [json.loads(line) for line in raw[:end].splitlines() if line.strip()]
        except ValueError:
            records = []
        if not records or records[0].get("record") != "start":
            raise InvalidInput(f"{self.path} is not a progress file; move it away to start over")
        start = records[0]
        acknowledged = [
            Acknowledged(**{k: v for k, v in r.items() if k != "record"})
            for r in records[1:]
            if r.get("record") == "acknowledged"
        ]
        if start.get("kind") == self.kind and start.get("options") == self.options:
            self.acknowledged = acknowledged
            return
        if not acknowledged and not self.pending_path.exists():
            # Nothing reached the log with the old options: start afresh with the new ones.
            self.path.unlink()
            return
        last = acknowledged[-1] if acknowledged else None
        done = (
            f"lines 1–{last.last_line} were acknowledged (up to statement {last.statement_id})"
            if last
            else "a statement may have reached the server"
        )
        raise InvalidInput(
            f"{self.path}: {done} with other options ({_options_text(start.get('options'))}); "
            "re-run with those options to send the rest, or remove the file to send it "
            "all again with the new ones"
        )

    def _append(self, record: dict[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def _within(journal: Path, log_size: int) -> bool:
    """Whether every statement ``journal`` records as acknowledged is in a log of
    ``log_size`` entries."""
    try:
        records = [json.loads(line) for line in journal.read_bytes().splitlines() if line.strip()]
    except ValueError:
        return True  # a torn line: _load cuts it off and judges the rest
    indexes = [r.get("log_index") for r in records if r.get("record") == "acknowledged"]
    return all(isinstance(i, int) and 0 <= i < log_size for i in indexes)


def _journal_path(source: Path, kind: str, identity: dict[str, Any]) -> Path:
    key = json.dumps(identity, sort_keys=True, separators=(",", ":")).encode("utf-8")
    tag = hashlib.sha256(key).hexdigest()[:12]
    return source.with_name(f"{source.name}.{JOURNAL_SUFFIXES[kind]}-{tag}")


def _options_text(options: Any) -> str:
    if not isinstance(options, dict):
        return "unknown"
    return ", ".join(f"{k}={v}" for k, v in options.items() if v not in (None, [], ""))


def _sync_dir(path: Path) -> None:
    """Make a rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
