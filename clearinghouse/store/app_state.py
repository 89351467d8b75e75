"""Small named values kept between runs."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearinghouse.store.models import AppState

__all__ = ["get", "put", "setdefault"]


def get(session: Session, key: str) -> str | None:
    row = session.get(AppState, key)
    return None if row is None else row.value


def put(session: Session, key: str, value: str) -> None:
    row = session.get(AppState, key)
    if row is None:
        session.add(AppState(key=key, value=value))
    else:
        row.value = value
    session.flush()


def setdefault(session: Session, key: str, value: str) -> str:
    """Record ``value`` unless a value is recorded already; return the recorded one.
    Two writers racing both get the winner's value."""
    current = get(session, key)
    if current is not None:
        return current
    try:
        with session.begin_nested():
            session.add(AppState(key=key, value=value))
    except IntegrityError:  # another transaction recorded one since we looked
        return get(session, key) or value
    return value
