"""The domain's confirmed and disputed rules, mirrored in SQL for the reads that page or
count signals in the database (``domain/transitions.is_confirmed`` / ``is_disputed``).

A signal is confirmed when its active contributions (one per member) reach the
threshold, and disputed when its feedback balance — agreements less disagreements, one
current verdict per member — is below zero. ``tests/integration/statements/
test_standing_twin.py`` proves these equal the domain's rules over a table of histories.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, case, func, select

from clearinghouse.store.models import Contribution, Feedback

__all__ = ["confirmed", "confirmed_signals", "disputed", "disputed_signals", "vote"]


def vote() -> ColumnElement[int]:
    """A verdict's weight in the feedback balance: +1 agree, -1 otherwise."""
    return case((Feedback.verdict == "agree", 1), else_=-1)


def confirmed(contributors: ColumnElement[int], threshold: int) -> ColumnElement[bool]:
    """``is_confirmed``: ``contributors`` (active contributions) reach ``threshold``."""
    return contributors >= threshold


def disputed(balance: ColumnElement[int]) -> ColumnElement[bool]:
    """``is_disputed``: the feedback ``balance`` (a sum of ``vote()``) is below zero."""
    return balance < 0


def confirmed_signals(threshold: int) -> Select:
    """The ids of the confirmed signals (a retracted signal has no active contribution)."""
    return (
        select(Contribution.signal_id)
        .where(Contribution.status == "active")
        .group_by(Contribution.signal_id)
        .having(confirmed(func.count(), threshold))
    )


def disputed_signals() -> Select:
    """The ids of the disputed signals, active or retracted."""
    return (
        select(Feedback.signal_id).group_by(Feedback.signal_id).having(disputed(func.sum(vote())))
    )
