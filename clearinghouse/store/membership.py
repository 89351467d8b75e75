"""Rows of members and their keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearinghouse.store.models import Member, MemberKey

__all__ = [
    "active_key_count",
    "active_key_with_member",
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


def active_key_with_member(session: Session, key_id: str) -> tuple[MemberKey, Member] | None:
    """The key and its member when both are active; None otherwise."""
    row = session.execute(
        select(MemberKey, Member)
        .join(Member, Member.id == MemberKey.member_id)
        .where(
            MemberKey.key_id == key_id,
            MemberKey.status == "active",
            Member.status == "active",
        )
    ).first()
    return (row[0], row[1]) if row else None
