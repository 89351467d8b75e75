"""Per-member suppressions (``POST/GET/DELETE /v1/suppressions``): signals a member never
wants matched for itself, e.g. known false positives on its platform.

The member's own configuration: not shared, not in the log, shown to nobody else, and
applied only to its own lookups, which mark the suppressed matches (``"suppressed":
true``) or drop them (``"suppressed": "drop"`` in the request).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from clearinghouse.errors import InvalidInput, NotFound
from clearinghouse.ijson import only_fields
from clearinghouse.store import suppressions as store
from clearinghouse.wire import iso

if TYPE_CHECKING:
    from clearinghouse.services.adapters.caller import Caller
    from clearinghouse.services.adapters.suppression_cache import SuppressionCache
    from clearinghouse.store.db import Database

__all__ = ["MODES", "add", "apply", "listing", "remove"]

MODES = ("mark", "drop")
MAX_REASON = 2_000


def add(
    db: Database, held: SuppressionCache, caller: Caller, body: dict[str, Any]
) -> dict[str, Any]:
    """Suppress one signal for the caller (and in the ``held`` suppressions of this
    process's lookups); answers whether it was new."""
    only_fields(body, frozenset({"signal_id", "reason"}), "")
    signal_id, reason = body.get("signal_id"), body.get("reason")
    if type(signal_id) is not int or signal_id < 1:
        raise InvalidInput("signal_id: expected a positive integer")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInput(f"reason: expected a non-empty string of at most {MAX_REASON}")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in reason):
        raise InvalidInput("reason: control characters are not allowed")
    with db.write() as session:
        added = store.add_suppression(session, caller.member, signal_id, reason, datetime.now(UTC))
        if added is None:
            raise NotFound(f"no signal {signal_id}")
        ids = frozenset(s.signal_id for s in store.suppressions_of(session, caller.member))
    held.changed(caller.member, ids)
    return {"signal_id": signal_id, "reason": reason, "status": "new" if added else "unchanged"}


def listing(db: Database, caller: Caller) -> dict[str, Any]:
    with db.read() as session:
        rows = store.suppressions_of(session, caller.member)
        found = [
            {"signal_id": s.signal_id, "reason": s.reason, "created": iso(s.created_at)}
            for s in rows
        ]
    return {"suppressions": found}


def remove(db: Database, held: SuppressionCache, caller: Caller, signal_id: int) -> None:
    with db.write() as session:
        if not store.remove_suppression(session, caller.member, signal_id):
            raise NotFound(f"no suppression of signal {signal_id}")
        ids = frozenset(s.signal_id for s in store.suppressions_of(session, caller.member))
    held.changed(caller.member, ids)


def apply(answer: dict, suppressed: frozenset[int], mode: str) -> dict:
    """A lookup answer with the member's suppressed signals marked or dropped."""
    if not suppressed:
        return answer
    for result in answer["results"]:
        if mode == "drop":
            result["matches"] = [m for m in result["matches"] if m["signal_id"] not in suppressed]
        else:
            for m in result["matches"]:
                if m["signal_id"] in suppressed:
                    m["suppressed"] = True
    return answer
