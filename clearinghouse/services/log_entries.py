"""Log entries: the RFC 8785 canonical JSON of ``{"type", "time", ...}`` (DESIGN §6)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import rfc8785

__all__ = ["ENTRY_TYPES", "encode_entry", "iso", "utcnow"]

ENTRY_TYPES = frozenset(
    {
        "member_added",
        "member_suspended",
        "member_unsuspended",
        "member_roles_changed",
        "key_added",
        "key_revoked",
        "taxonomy",
        "submission",
        "retraction",
        "feedback",
    }
)


def utcnow() -> datetime:
    """Now, to the millisecond: the precision of entry times, so that every time the
    state keeps is exactly the time of the log entry that set it (``db check``)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(moment: datetime) -> str:
    """RFC 3339 UTC with millisecond precision, as written in entries and answers."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode_entry(entry_type: str, time: datetime, **fields: Any) -> bytes:
    """The exact bytes of one entry; ``type`` and ``time`` may not be overridden."""
    if entry_type not in ENTRY_TYPES:
        raise ValueError(f"unknown log entry type {entry_type!r}")
    if "type" in fields or "time" in fields:
        raise ValueError("type and time are set by encode_entry")
    return rfc8785.dumps({"type": entry_type, "time": iso(time), **fields})
