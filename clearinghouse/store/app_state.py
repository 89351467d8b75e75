"""Small named values kept between runs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearinghouse.store.models import AppState

__all__ = ["get", "put"]


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
