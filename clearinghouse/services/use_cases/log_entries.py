"""Log entries: the RFC 8785 canonical JSON of ``{"type", "time", ...}`` (DESIGN §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import rfc8785

from clearinghouse.wire import ENTRY_TYPES, iso

__all__ = ["encode_entry"]


def encode_entry(entry_type: str, time: datetime, **fields: Any) -> bytes:
    """The exact bytes of one entry; ``type`` and ``time`` may not be overridden."""
    if entry_type not in ENTRY_TYPES:
        raise ValueError(f"unknown log entry type {entry_type!r}")
    if "type" in fields or "time" in fields:
        raise ValueError("type and time are set by encode_entry")
    return rfc8785.dumps({"type": entry_type, "time": iso(time), **fields})
