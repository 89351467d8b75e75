"""SQLAlchemy 2.0 models: the whole persistent state of the clearinghouse.

The log (``log_entries`` + ``log_nodes`` + ``log_head``) is the record of truth; the
other tables are the current state that the log's entries produced, kept in the same
transaction. ``signals.updated_index`` is the log index of a signal's last change: the
change feed and every process's index follow it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from clearinghouse.store.damage import TolerantDateTime, TolerantJSON

__all__ = [
    "AppState",
    "Base",
    "Contribution",
    "Feedback",
    "Incident",
    "LogEntry",
    "LogHead",
    "LogNode",
    "Member",
    "MemberKey",
    "ReplayEntry",
    "Signal",
    "SignalHold",
    "SignalMatchCount",
    "SignalRegion",
    "SiteSession",
    "Statement",
    "Subscription",
    "Suppression",
    "WebhookDelivery",
]

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Member(Base):
    """An organisation; roles are a comma-separated subset of submitter, matcher, auditor."""

    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class MemberKey(Base):
    """An Ed25519 public key of a member, active until revoked."""

    __tablename__ = "member_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Signal(Base):
    """One hash, unique by (signal_type, value); ``digest`` is SHA-256 of that pair."""

    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_feed", "updated_index", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    signal_type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    quality: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")
    first_seen: Mapped[datetime] = mapped_column(TolerantDateTime())
    last_seen: Mapped[datetime] = mapped_column(TolerantDateTime())
    updated_index: Mapped[int] = mapped_column(BigInteger)


class SignalRegion(Base):
    """One region PDQ of a signal (DESIGN §15): an alias in the index, shown to nobody."""

    __tablename__ = "signal_regions"

    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    code: Mapped[bytes] = mapped_column(LargeBinary(32))
    quality: Mapped[int] = mapped_column(SmallInteger)


class Suppression(Base):
    """A signal one member never wants matched for itself: its own, private configuration."""

    __tablename__ = "suppressions"

    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignalHold(Base):
    """A signal's last hold or release (DESIGN §15): each is a log entry, this the state
    they leave."""

    __tablename__ = "signal_holds"

    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # held | released
    by: Mapped[str] = mapped_column(String(63))  # checker | operator | a member id
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    log_index: Mapped[int] = mapped_column(BigInteger)


class SignalMatchCount(Base):
    """How many query answers held one signal in one window: the only trace lookups
    leave. No member, no query, no time finer than the window."""

    __tablename__ = "signal_match_counts"
    __table_args__ = (Index("ix_signal_match_counts_window", "window_start"),)

    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Unix seconds
    matches: Mapped[int] = mapped_column(BigInteger)


class LogEntry(Base):
    """One log entry: its RFC 8785 bytes exactly as hashed into the tree."""

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LogNode(Base):
    """Hash of a complete subtree: level 0 are leaf hashes; (level, idx) covers
    leaves [idx·2^level, (idx+1)·2^level)."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogHead(Base):
    """The single row (id 1) holding the log's size; appends lock it."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)


class Statement(Base):
    """A signed statement (submission, retraction, feedback, key change) as accepted."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("member_keys.key_id"))
    envelope_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    log_index: Mapped[int] = mapped_column(ForeignKey("log_entries.idx"), unique=True)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Contribution(Base):
    """One member vouching for one signal; at most one per (signal, member)."""

    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("signal_id", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # Looked up through the unique (signal_id, member_id) index; no index of its own.
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"))
    labels: Mapped[list] = mapped_column(TolerantJSON())
    content_type: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(TolerantDateTime())
    retracted_at: Mapped[datetime | None] = mapped_column(TolerantDateTime())
    retraction_statement_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"))


class Feedback(Base):
    """A member's current verdict on a signal; a later verdict replaces the earlier one."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("signal_id", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"))  # see Contribution
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"))
    verdict: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TolerantDateTime())


class ReplayEntry(Base):
    """A request signature already seen, kept until its window closes."""

    __tablename__ = "replay_cache"

    signature_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class AppState(Base):
    """Small named values the service keeps between runs (e.g. the logged taxonomy digest)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SiteSession(Base):
    """A sign-in link (kind ``link``) or a signed-in browser session (kind ``session``) of
    the transparency site; only the SHA-256 of the secret token is kept."""

    __tablename__ = "site_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class Incident(Base):
    """A declared crisis incident (DESIGN §14); its actions are log entries, and
    declaring it adds the label ``incident:<slug>`` to the taxonomy."""

    __tablename__ = "incidents"

    slug: Mapped[str] = mapped_column(String(63), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # active | concluded
    declared_by: Mapped[str] = mapped_column(ForeignKey("members.id"))
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    concluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    declared_index: Mapped[int] = mapped_column(BigInteger)
    updated_index: Mapped[int] = mapped_column(BigInteger)


class Subscription(Base):
    """A member's webhook endpoint with its filters, and where its delivery stands.

    ``(cursor_index, cursor_signal)`` is the change-feed position up to which every change
    has been delivered (or filtered out); the queue of a subscription is everything after
    it. ``lease_until`` (epoch ms) and ``lease_owner`` mark the process delivering to it.
    """

    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | paused
    paused_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cursor_index: Mapped[int] = mapped_column(BigInteger)
    cursor_signal: Mapped[int] = mapped_column(BigInteger)
    next_attempt_at: Mapped[float] = mapped_column(Float, default=0.0)
    failing_since: Mapped[float | None] = mapped_column(Float)
    lease_until: Mapped[float] = mapped_column(Float, default=0.0)
    lease_owner: Mapped[str | None] = mapped_column(String(32))


class WebhookDelivery(Base):
    """The delivery at the head of a subscription's queue, kept until its endpoint
    accepts it, so a retry sends the same ``webhook-id`` and the same body."""

    __tablename__ = "webhook_deliveries"

    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    webhook_id: Mapped[str] = mapped_column(String(40))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    changes: Mapped[int] = mapped_column(Integer)
    end_index: Mapped[int] = mapped_column(BigInteger)
    end_signal: Mapped[int] = mapped_column(BigInteger)
    oldest_change_at: Mapped[float] = mapped_column(Float)  # epoch seconds, for latency
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
