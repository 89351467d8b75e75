"""The reason a member gave when it retracted a signal, read from the log.

The state tables keep who retracted and when; the reason is only in the signed statement,
which the log holds verbatim. Reading it from there keeps one copy of what was said.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clearinghouse.store.log import read_entries
from clearinghouse.wire import b64decode

if TYPE_CHECKING:
    from clearinghouse.store import Session

__all__ = ["retraction_reason"]


def retraction_reason(session: Session, log_index: int, signal_type: str, value: Any) -> str | None:
    """The ``reason`` of the item about this signal in the retraction at ``log_index``."""
    found = read_entries(session, log_index, log_index + 1)
    if not found:
        return None
    try:
        entry = json.loads(found[0][1])
        payload = json.loads(b64decode(entry["envelope"]["payload"]))
        items = payload["items"]
    except (ValueError, KeyError, TypeError):
        return None
    wanted = _normal(value)
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or item.get("signal_type") != signal_type:
            continue
        if _normal(item.get("value")) == wanted:
            reason = item.get("reason")
            return reason if isinstance(reason, str) else None
    return None


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):  # a stored vPDQ value is its JSON frame list
            try:
                return _normal(json.loads(text))
            except ValueError:
                return text.lower()
        return text.lower()
    if isinstance(value, list):
        return [
            (str(f.get("pdq", "")).lower(), f.get("quality"), float(f.get("timestamp", 0)))
            if isinstance(f, dict)
            else f
            for f in value
        ]
    return value
