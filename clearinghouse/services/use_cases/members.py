"""Membership use cases: members and their keys. Every change is one log entry."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from clearinghouse.crypto.keys import VerifyKey
from clearinghouse.crypto.possession import verify_possession
from clearinghouse.errors import Conflict, InvalidInput, NotFound
from clearinghouse.services.use_cases.log_entries import encode_entry
from clearinghouse.services.use_cases.log_writes import log_transaction
from clearinghouse.store import Session, membership
from clearinghouse.store.log import append_entries
from clearinghouse.store.models import Member
from clearinghouse.wire import MEMBER_ID, ROLES, b64encode, iso

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = [
    "add_key",
    "add_member",
    "add_proven_key",
    "change_roles",
    "list_members",
    "parse_roles",
    "revoke_key",
    "suspend_member",
    "unsuspend_member",
]


def parse_roles(roles: str | Iterable[str]) -> list[str]:
    """Roles from ``submitter,matcher`` or a list; unknown or no roles are InvalidInput."""
    items = roles.split(",") if isinstance(roles, str) else list(roles)
    cleaned = sorted({r.strip() for r in items if r.strip()})
    unknown = [r for r in cleaned if r not in ROLES]
    if unknown or not cleaned:
        raise InvalidInput(
            f"roles: expected a comma-separated subset of {', '.join(ROLES)}, got {roles!r}"
        )
    return cleaned


def add_member(
    db: Database, member_id: str, name: str, roles: str | Iterable[str], key: VerifyKey
) -> dict:
    """Register a member with its first key; logged as ``member_added``."""
    if not isinstance(member_id, str) or not MEMBER_ID.fullmatch(member_id):
        raise InvalidInput(f"member: {member_id!r} does not match {MEMBER_ID.pattern}")
    if not name or not name.strip() or len(name) > 200:
        raise InvalidInput("name: expected 1 to 200 characters")
    role_list = parse_roles(roles)
    with log_transaction(db) as (session, now, _):
        if membership.get_member(session, member_id) is not None:
            raise Conflict(f"member {member_id!r} already exists")
        _refuse_known_key(session, key)
        membership.insert_member(session, member_id, name.strip(), role_list, now)
        membership.insert_key(session, member_id, key.key_id, key.raw, now)
        entry = encode_entry(
            "member_added",
            now,
            member=member_id,
            name=name.strip(),
            roles=role_list,
            key_id=key.key_id,
            public_key=b64encode(key.raw),
        )
        append_entries(session, [("member_added", entry)], now)
    return {"member": member_id, "key_id": key.key_id}


def list_members(db: Database) -> list[dict]:
    """Every member with its keys, oldest first."""
    with db.read() as session:
        return [
            {
                "member": m.id,
                "name": m.name,
                "roles": sorted(m.role_set),
                "status": m.status,
                "created": iso(m.created_at),
                "keys": [{"key_id": k.key_id, "status": k.status} for k in keys],
            }
            for m, keys in membership.members_with_keys(session)
        ]


def suspend_member(db: Database, member_id: str) -> dict:
    """Suspend a member: its requests are refused from now on; logged."""
    with log_transaction(db) as (session, now, _):
        member = _member(session, member_id)
        if member.status == "suspended":
            raise Conflict(f"member {member_id!r} is already suspended")
        member.status = "suspended"
        entry = encode_entry("member_suspended", now, member=member_id)
        append_entries(session, [("member_suspended", entry)], now)
    return {"member": member_id, "status": "suspended"}


def unsuspend_member(db: Database, member_id: str) -> dict:
    """Lift a suspension: the member's active keys sign again from now on; logged."""
    with log_transaction(db) as (session, now, _):
        member = _member(session, member_id)
        if member.status != "suspended":
            raise Conflict(f"member {member_id!r} is not suspended")
        member.status = "active"
        entry = encode_entry("member_unsuspended", now, member=member_id)
        append_entries(session, [("member_unsuspended", entry)], now)
    return {"member": member_id, "status": "active"}


def change_roles(db: Database, member_id: str, roles: str | Iterable[str]) -> dict:
    """Give a member exactly ``roles`` from now on; logged with the old and new roles."""
    role_list = parse_roles(roles)
    with log_transaction(db) as (session, now, _):
        member = _member(session, member_id)
        before = sorted(member.role_set)
        if before == role_list:
            raise Conflict(f"member {member_id!r} already has the roles {','.join(before)}")
        member.roles = ",".join(role_list)
        entry = encode_entry(
            "member_roles_changed", now, member=member_id, roles=role_list, previous=before
        )
        append_entries(session, [("member_roles_changed", entry)], now)
    return {"member": member_id, "roles": role_list, "previous": before}


def add_key(db: Database, member_id: str, key: VerifyKey, *, by: str = "operator") -> dict:
    """Add a key to a member; logged as ``key_added``."""
    with log_transaction(db) as (session, now, _):
        _member(session, member_id)
        _refuse_known_key(session, key)
        membership.insert_key(session, member_id, key.key_id, key.raw, now)
        entry = encode_entry(
            "key_added",
            now,
            member=member_id,
            key_id=key.key_id,
            public_key=b64encode(key.raw),
            by=by,
        )
        append_entries(session, [("key_added", entry)], now)
    return {"member": member_id, "key_id": key.key_id}


def add_proven_key(
    db: Database,
    member_id: str,
    key: VerifyKey,
    proof: object,
    *,
    max_skew: int,
    now: float | None = None,
) -> dict:
    """A member adds its own key, proving possession of the new private key (DESIGN §11)."""
    now = time.time() if now is None else now
    verify_possession(proof, member_id, key, now=now, max_skew=max_skew)
    return add_key(db, member_id, key, by=member_id)


def revoke_key(
    db: Database, member_id: str, key_id: str, *, force: bool = False, by: str = "operator"
) -> dict:
    """Revoke a key; the last active key of a member only with ``force``. Logged."""
    with log_transaction(db) as (session, now, _):
        _member(session, member_id)
        key = membership.get_key(session, key_id)
        if key is None or key.member_id != member_id:
            raise NotFound(f"member {member_id!r} has no key {key_id!r}")
        if key.status == "revoked":
            raise Conflict(f"key {key_id!r} is already revoked")
        active = membership.active_key_count(session, member_id)
        if active <= 1 and not force:
            raise Conflict(
                f"key {key_id!r} is the last active key of {member_id!r}; revoke it with force"
            )
        key.status = "revoked"
        key.revoked_at = now
        entry = encode_entry("key_revoked", now, member=member_id, key_id=key_id, by=by)
        append_entries(session, [("key_revoked", entry)], now)
    return {"member": member_id, "key_id": key_id, "status": "revoked"}


def _member(session: Session, member_id: str) -> Member:
    member = membership.get_member(session, member_id)
    if member is None:
        raise NotFound(f"no member {member_id!r}")
    return member


def _refuse_known_key(session: Session, key: VerifyKey) -> None:
    if membership.get_key(session, key.key_id) is not None:
        raise Conflict(f"key {key.key_id} is already registered")
