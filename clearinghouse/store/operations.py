"""Reads for the operations metrics: how long the log is and how far signals have moved."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearinghouse.store.log import log_size
from clearinghouse.store.models import Signal

__all__ = ["log_figures"]


def log_figures(session: Session) -> tuple[int, int]:
    """``(log size, log index of the latest signal change or -1)``; two indexed reads."""
    head = session.scalar(select(func.max(Signal.updated_index)))
    return log_size(session), -1 if head is None else int(head)
