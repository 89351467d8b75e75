"""Rows of members and their keys."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from clearinghouse.store.models import Member, MemberKey

__all__ = [
    "ActiveKey",
    "active_key",
    "active_key_count",
    "get_key",
    "get_member",
    "insert_key",
    "insert_member",
    "members_with_keys",
]


def get_member(session: Session, member_id: str) -> Member | None:
    return session.get(Member, member_id)


def get_key(session: Session, key_id: str) -> MemberKey | None:
    return session.get(MemberKey, key_id)


def insert_member(
    session: Session, member_id: str, name: str, roles: list[str], now: datetime
) -> Member:
    member = Member(id=member_id, name=name, roles=",".join(roles), status="active", created_at=now)
    session.add(member)
    session.flush()
    return member


def insert_key(session: Session, member_id: str, key_id: str, raw: bytes, now: datetime) -> None:
    session.add(
        MemberKey(
            key_id=key_id, member_id=member_id, public_key=raw, status="active", created_at=now
        )
    )
    session.flush()


def members_with_keys(session: Session) -> list[tuple[Member, list[MemberKey]]]:
    """Every member with its keys, members oldest first, keys oldest first."""
    members = session.scalars(select(Member).order_by(Member.created_at, Member.id)).all()
    keys = session.scalars(select(MemberKey).order_by(MemberKey.created_at)).all()
    by_member: dict[str, list[MemberKey]] = {}
    for key in keys:
        by_member.setdefault(key.member_id, []).append(key)
    return [(m, by_member.get(m.id, [])) for m in members]


def active_key_count(session: Session, member_id: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(MemberKey)
        .where(MemberKey.member_id == member_id, MemberKey.status == "active")
    )


@functools.cache
def _active_key_query():
    # Built once: on every request, constructing the statement cost more than running it.
    return (
        select(MemberKey.public_key, Member.id, Member.roles)
        .join(Member, Member.id == MemberKey.member_id)
        .where(
            MemberKey.key_id == bindparam("key_id"),
            MemberKey.status == "active",
            Member.status == "active",
        )
    )


@dataclass(frozen=True)
class ActiveKey:
    """An active key of an active member: what request authentication needs."""

    key_id: str
    public_key: bytes
    member_id: str
    roles: frozenset[str]


def active_key(session: Session, key_id: str) -> ActiveKey | None:
    """The key when both it and its member are active; None otherwise."""
    row = session.connection().execute(_active_key_query(), {"key_id": key_id}).first()
    if row is None:
        return None
    public_key, member_id, roles = row
    return ActiveKey(
        key_id, bytes(public_key), member_id, frozenset(r for r in roles.split(",") if r)
    )
