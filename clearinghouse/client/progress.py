"""The resumable state of sending a file as statements: what was acknowledged, what is pending.

Two files sit next to the input (for a submission of ``hashes.jsonl``):

- ``hashes.jsonl.submitted`` — the journal, JSON lines: a ``start`` record with the
  options the run was started with, then one ``acknowledged`` record per statement the
  server accepted (line range, hash of those lines, envelope digest, statement_id,
  log_index, counts). Appended and fsynced after each answer.
- ``hashes.jsonl.submitted.pending`` — the signed envelope of the statement being sent,
  written (atomically) *before* it is sent and removed once its acknowledgement is
  journalled. If a run is interrupted in between, the next run re-sends exactly this
  envelope: the server stores an envelope once and repeats its first answer, so nothing
  is ever stated twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clearinghouse.errors import InvalidInput

__all__ = ["JOURNAL_SUFFIXES", "Acknowledged", "Journal", "Pending"]

JOURNAL_SUFFIXES = {"submission": "submitted", "retraction": "retracted", "feedback": "sent"}
_VERSION = 1


@dataclass(frozen=True)
class Pending:
    """A signed statement about lines ``first_line``–``last_line`` that may have been sent."""

    chunk: int
    first_line: int
    last_line: int
    items: int
    lines_sha256: str
    digest: str
    envelope: dict[str, Any]


@dataclass(frozen=True)
class Acknowledged:
    """A statement the server accepted."""

    chunk: int
    first_line: int
    last_line: int
    items: int
    lines_sha256: str
    digest: str
    statement_id: Any
    log_index: Any
    counts: dict[str, int] = field(default_factory=dict)


class Journal:
    """The journal and pending envelope of one input file and statement kind."""

    def __init__(self, source: Path, kind: str, options: dict[str, Any]) -> None:
        self.path = source.with_name(f"{source.name}.{JOURNAL_SUFFIXES[kind]}")
        self.pending_path = self.path.with_name(self.path.name + ".pending")
        self.kind = kind
        self.options = options
        self.acknowledged: list[Acknowledged] = []
        self._load()

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
                {"record": "start", "version": _VERSION, "kind": self.kind, "options": self.options}
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
        if start.get("kind") != self.kind or start.get("options") != self.options:
            raise InvalidInput(
                f"{self.path} was started with other options {start.get('options')}; "
                "re-run with the same options, or remove it to send the file again"
            )
        for record in records[1:]:
            if record.pop("record", None) == "acknowledged":
                self.acknowledged.append(Acknowledged(**record))

    def _append(self, record: dict[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


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
