"""What the transparency site's pages show (DESIGN §13): the checkpoint, windows of the
log with each entry's inclusion proof, members and their keys, one signal's history.

Each page is built from one read transaction so that the checkpoint and the proofs on it
belong to the same tree. Hash values and notes are kept only for a viewer who signed in
with the auditor or matcher role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clearinghouse.errors import Forbidden, InvalidInput, NotFound
from clearinghouse.services.read_models import transparency
from clearinghouse.services.read_models.retraction_reasons import retraction_reason
from clearinghouse.store import Session, membership
from clearinghouse.store import site_pages as rows
from clearinghouse.store.log import SqlNodeReader, log_size
from clearinghouse.tlog.hashing import leaf_hash
from clearinghouse.tlog.proofs import inclusion_proof
from clearinghouse.wire import b64decode, b64encode, iso

if TYPE_CHECKING:
    from clearinghouse.services.read_models.transparency import LogKey
    from clearinghouse.store.db import Database

__all__ = [
    "PAGE_SIZE",
    "Viewer",
    "describe_entry",
    "entry_page",
    "home",
    "log_page",
    "members_page",
    "signal_page",
]

PAGE_SIZE = 25
SEEING_ROLES = frozenset({"auditor", "matcher"})


@dataclass(frozen=True)
class Viewer:
    """Who is looking: nobody (the public) or a signed-in member with its roles."""

    member: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def sees_values(self) -> bool:
        """Hash values and notes are shown to signed-in auditors and matchers only."""
        return bool(self.roles & SEEING_ROLES)


PUBLIC = Viewer()


def _head(log_key: LogKey, session: Session) -> dict:
    size = log_size(session)
    last = rows.entry_time(session, size - 1) if size else None
    return {
        "size": size,
        "time": iso(last) if last else None,
        "checkpoint": transparency.checkpoint(log_key, session, size),
        "vkey": log_key.verifier().vkey,
    }


def home(db: Database, log_key: LogKey, viewer: Viewer = PUBLIC) -> dict:
    """The latest checkpoint and the newest few entries."""
    with db.read() as session:
        head = _head(log_key, session)
        size = head["size"]
        latest = _entries(session, max(0, size - 5), size, size, viewer)
    return {**head, "entries": latest}


def log_page(db: Database, log_key: LogKey, before: int | None, viewer: Viewer = PUBLIC) -> dict:
    """Up to PAGE_SIZE entries below index ``before`` (default: the newest), newest first."""
    with db.read() as session:
        head = _head(log_key, session)
        size = head["size"]
        end = size if before is None else before
        if not 0 <= end <= size:
            raise InvalidInput(f"before: need 0 <= before <= {size} (the log size), got {end}")
        start = max(0, end - PAGE_SIZE)
        shown = _entries(session, start, end, size, viewer)
    return {
        **head,
        "entries": shown,
        "newer": min(size, end + PAGE_SIZE) if end < size else None,
        "older": start if start > 0 else None,
    }


def entry_page(db: Database, log_key: LogKey, index: int, viewer: Viewer = PUBLIC) -> dict:
    """One entry in full, with its inclusion proof."""
    with db.read() as session:
        head = _head(log_key, session)
        if not 0 <= index < head["size"]:
            raise NotFound(f"no log entry {index}; the log has {head['size']} entries")
        (entry,) = _entries(session, index, index + 1, head["size"], viewer)
    return {**head, "entry": entry}


def members_page(db: Database) -> dict:
    """Members, roles, status, and their keys with when each was added or revoked."""
    with db.read() as session:
        members = [
            {
                "member": m.id,
                "name": m.name,
                "roles": sorted(m.role_set),
                "status": m.status,
                "created": iso(m.created_at),
                "keys": [
                    {
                        "key_id": k.key_id,
                        "status": k.status,
                        "added": iso(k.created_at),
                        "revoked": iso(k.revoked_at) if k.revoked_at else None,
                    }
                    for k in keys
                ],
            }
            for m, keys in membership.members_with_keys(session)
        ]
    return {"members": members}


def signal_page(db: Database, signal_id: int, viewer: Viewer) -> dict:
    """One signal's history; for signed-in auditors and matchers only."""
    if not viewer.sees_values:
        raise Forbidden("one signal's history is shown to signed-in auditors and matchers only")
    with db.read() as session:
        found = rows.signal_history(session, signal_id)
        if found is None:
            raise NotFound(f"no signal {signal_id}")
        s = found.signal
        events = [
            {"time": iso(c.created_at), "what": "contributed", "member": c.member_id,
             "detail": ", ".join(c.labels), "note": c.note, "log_index": i}
            for c, i in found.contributions
        ] + [
            {"time": iso(c.retracted_at), "what": "retracted", "member": c.member_id,
             "detail": "", "log_index": i,
             "note": retraction_reason(session, i, s.signal_type, s.value)}
            for c, i in found.retractions
        ] + [
            {"time": iso(f.created_at), "what": f"feedback: {f.verdict}", "member": f.member_id,
             "detail": "", "note": f.reason, "log_index": i}
            for f, i in found.feedback
        ]  # fmt: skip
    events.sort(key=lambda e: (e["log_index"], e["what"]))
    return {
        "signal_id": s.id,
        "signal_type": s.signal_type,
        "value": s.value,
        "quality": s.quality,
        "status": s.status,
        "first_seen": iso(s.first_seen),
        "last_seen": iso(s.last_seen),
        "events": events,
    }


class _Recorder:
    """A node reader that notes which nodes are asked for (answering zeros)."""

    def __init__(self) -> None:
        self.keys: set[tuple[int, int]] = set()

    def get_nodes(self, keys):
        self.keys.update(keys)
        return dict.fromkeys(keys, bytes(32))


class _Known:
    """A node reader over nodes already read."""

    def __init__(self, nodes) -> None:
        self.nodes = nodes

    def get_nodes(self, keys):
        return {k: self.nodes[k] for k in keys if k in self.nodes}


def _entries(session: Session, start: int, end: int, size: int, viewer: Viewer) -> list[dict]:
    found = rows.entries_newest_first(session, start, end)
    # The proofs of a page share most of their nodes: work out which nodes they need,
    # read them in one query, then assemble each proof from those.
    recorder = _Recorder()
    for row in found:
        inclusion_proof(row.index, size, recorder)
    known = _Known(SqlNodeReader(session).get_nodes(sorted(recorder.keys)))
    out = []
    for row in found:
        shown = describe_entry(row.data, viewer)
        shown.update(
            index=row.index,
            leaf_hash=b64encode(leaf_hash(row.data)),
            proof=[b64encode(h) for h in inclusion_proof(row.index, size, known)],
        )
        out.append(shown)
    return out


def describe_entry(data: bytes, viewer: Viewer) -> dict:
    """What a reader is shown of one entry's bytes: type, time, member, items."""
    entry = json.loads(data)
    kind = entry.get("type", "?")
    shown = {
        "type": kind,
        "time": entry.get("time"),
        "member": entry.get("member"),
        "key_id": entry.get("key_id"),
        "items": [],
        "facts": {},
    }
    envelope = entry.get("envelope")
    if isinstance(envelope, dict):
        payload = _payload(envelope)
        items = payload.get("items") if isinstance(payload.get("items"), list) else []
        shown["items"] = [_item(item, viewer) for item in items if isinstance(item, dict)]
    else:
        shown["facts"] = {
            k: (", ".join(v) if isinstance(v, list) else str(v))
            for k, v in entry.items()
            if k not in ("type", "time", "member", "key_id", "public_key")
        }
    return shown


def _payload(envelope: dict) -> dict:
    try:
        payload = json.loads(b64decode(envelope.get("payload", "")))
    except (ValueError, TypeError):
        return {}
    return payload if isinstance(payload, dict) else {}


_PRIVATE = ("value", "note", "reason")


def _item(item: dict, viewer: Viewer) -> dict:
    out = {
        "signal_type": item.get("signal_type"),
        "labels": item.get("labels") or [],
        "content_type": item.get("content_type"),
        "verdict": item.get("verdict"),
    }
    if viewer.sees_values:
        for key in _PRIVATE:
            if item.get(key) is not None:
                value = item[key]
                out[key] = value if isinstance(value, str) else json.dumps(value)
    return out
