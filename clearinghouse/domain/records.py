"""Frozen records of the clearinghouse's state (DESIGN §2).

Named tuples: immutable, typed, and cheap to make by the ten thousand (a statement's
items). Their field order is the column order the store writes them in.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

__all__ = ["ContributionRecord", "FeedbackRecord", "SignalHistory", "SignalRecord"]


class SignalRecord(NamedTuple):
    """One hash, ``active`` while some member vouches for it, else ``retracted``."""

    id: int
    signal_type: str
    value: str  # canonical text; vPDQ frames as JSON
    digest: bytes  # SHA-256 of "type:value": the signal's identity
    quality: int | None
    status: str
    first_seen: datetime
    last_seen: datetime
    updated_index: int  # log index of the last change: the feed's and indexes' cursor


class ContributionRecord(NamedTuple):
    """One member vouching for one signal (at most one per member and signal)."""

    signal_id: int
    member: str
    statement_id: int
    labels: tuple[str, ...]  # sorted
    content_type: str | None
    note: str | None
    status: str  # "active" or "retracted"
    created_at: datetime
    retracted_at: datetime | None = None
    retraction_statement_id: int | None = None


class FeedbackRecord(NamedTuple):
    """A member's current verdict on a signal; a different later verdict replaces it."""

    signal_id: int
    member: str
    statement_id: int
    verdict: str  # "agree" or "disagree"
    reason: str
    created_at: datetime


class SignalHistory(NamedTuple):
    """What the rules know of one signal: the signal itself (None before its first
    submission), every member's contribution, every member's feedback."""

    signal: SignalRecord | None
    contributions: tuple[ContributionRecord, ...] = ()
    feedback: tuple[FeedbackRecord, ...] = ()

    def contribution_of(self, member: str) -> ContributionRecord | None:
        return next((c for c in self.contributions if c.member == member), None)

    def feedback_of(self, member: str) -> FeedbackRecord | None:
        return next((f for f in self.feedback if f.member == member), None)

    def contributors(self) -> tuple[str, ...]:
        """Members with an active contribution, sorted."""
        return tuple(sorted(c.member for c in self.contributions if c.status == "active"))
