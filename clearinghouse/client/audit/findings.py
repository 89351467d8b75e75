"""What an audit reads from and what it finds: the log source and the report.

``LogSource`` is the five calls an auditor makes to a server; ``clearinghouse.client.Client``
is one, and a test may pass any object with the same methods. ``AuditReport`` collects
problems, each naming the entry it concerns, with a cap so that a log rewritten wholesale
cannot make the auditor's memory grow with the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from clearinghouse.wire import b64encode

__all__ = ["MAX_PROBLEMS", "AuditReport", "LogSource", "Problem"]

MAX_PROBLEMS = 1_000


class LogSource(Protocol):
    """The log's read side as a server offers it (DESIGN §6)."""

    def log_checkpoint(self) -> str:
        """The latest signed checkpoint note."""

    def log_key(self) -> str:
        """The verifier key, in note vkey form."""

    def log_entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """``(index, entry bytes)`` for ``start <= index < end``."""

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """The audit path of entry ``index`` in the tree of ``tree_size`` entries."""

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``first`` entries is a prefix of that of ``second``."""


@dataclass(frozen=True)
class Problem:
    """One failed check: the entry it concerns (None for the checkpoint or key), which
    check failed and a sentence saying how."""

    index: int | None
    check: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "check": self.check, "detail": self.detail}

    def __str__(self) -> str:
        where = "log" if self.index is None else f"entry {self.index}"
        return f"{where}: {self.check}: {self.detail}"


@dataclass
class AuditReport:
    """The outcome of one audit: the signed tree head checked and every problem found."""

    origin: str | None = None
    size: int | None = None
    root: bytes | None = None
    checked: int = 0
    statements: int = 0
    carried: int = 0
    previous_size: int | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    omitted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.omitted

    def add(self, index: int | None, check: str, detail: str) -> None:
        """Record a problem; past MAX_PROBLEMS only count it."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(index, check, detail))
        else:
            self.omitted += 1

    def indexes(self) -> set[int]:
        """The entries named by some problem."""
        return {p.index for p in self.problems if p.index is not None}

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form: size, root and problems, plus what was checked."""
        return {
            "ok": self.ok,
            "origin": self.origin,
            "size": self.size,
            "root": None if self.root is None else b64encode(self.root),
            "checked": self.checked,
            "statements": self.statements,
            "carried": self.carried,
            "previous_size": self.previous_size,
            "problems": [p.to_dict() for p in self.problems],
            "omitted_problems": self.omitted,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """One line for a successful run."""
        root = "" if self.root is None else b64encode(self.root)
        since = (
            f"; consistent with the checkpoint saved at size {self.previous_size}"
            if self.previous_size
            else ""
        )
        carried = f" ({self.carried} more verified before)" if self.carried else ""
        return (
            f"ok: {self.origin} size {self.size} root {root}: {self.checked} entries, "
            f"{self.statements} statement signatures verified{carried}{since}"
        )
