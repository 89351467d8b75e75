"""Webhook subscriptions and the delivery at the head of each one's queue.

A subscription's queue is the change feed after its cursor; only the delivery being
attempted is written down (``webhook_deliveries``), so that its retries repeat the same
id and body. Processes share the work by claiming subscriptions: PostgreSQL skips rows
another transaction holds (``FOR UPDATE SKIP LOCKED``), and a lease written in the same
transaction keeps the claim after commit, until it is finished or runs out. The holder
renews its leases while it lives (``renew``) and reads its subscription locked
(``held_subscription``) before each write, so a process whose lease was taken over never
writes over the new holder's cursor.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from clearinghouse.store.bulk import chunks
from clearinghouse.store.models import (
    Contribution,
    LogEntry,
    Member,
    MemberKey,
    Subscription,
    WebhookDelivery,
)

__all__ = [
    "CAUGHT_UP",
    "add_subscription",
    "claim",
    "due_subscriptions",
    "entry_times",
    "get_subscription",
    "held_subscription",
    "labels_ever",
    "member_subscriptions",
    "pending_delivery",
    "queue_figures",
    "remove_subscription",
    "renew",
    "save_delivery",
    "update_claimed",
]

# The signal part of a cursor that stands after every signal of its log index.
CAUGHT_UP = 2**62


def add_subscription(session: Session, subscription: Subscription) -> None:
    session.add(subscription)
    session.flush()


def member_subscriptions(session: Session, member_id: str) -> list[Subscription]:
    query = select(Subscription).where(Subscription.member_id == member_id)
    return list(session.scalars(query.order_by(Subscription.created_at, Subscription.id)))


def get_subscription(session: Session, subscription_id: str) -> Subscription | None:
    return session.get(Subscription, subscription_id)


def remove_subscription(session: Session, member_id: str, subscription_id: str) -> bool:
    """Delete a member's own subscription (and its pending delivery); False if none."""
    owned = and_(Subscription.id == subscription_id, Subscription.member_id == member_id)
    if session.scalar(select(Subscription.id).where(owned)) is None:
        return False
    session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    )
    session.execute(delete(Subscription).where(owned))
    return True


def _member_can_receive():
    # A suspended member, or one whose keys are all revoked, is sent nothing.
    return and_(
        exists().where(Member.id == Subscription.member_id, Member.status == "active"),
        exists().where(MemberKey.member_id == Subscription.member_id, MemberKey.status == "active"),
    )


def due_subscriptions(session: Session, now: float, head: int, limit: int) -> list[str]:
    """Ids of active subscriptions with something to send now and nobody holding them:
    changes after their cursor, or a delivery whose retry time has come."""
    pending = exists().where(WebhookDelivery.subscription_id == Subscription.id)
    behind = or_(
        Subscription.cursor_index < head - 1,
        Subscription.cursor_signal < CAUGHT_UP,
        pending,
    )
    query = (
        select(Subscription.id)
        .where(
            Subscription.status == "active",
            Subscription.lease_until < now,
            Subscription.next_attempt_at <= now,
            behind,
            _member_can_receive(),
        )
        .order_by(Subscription.next_attempt_at, Subscription.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim(session: Session, ids: Sequence[str], now: float, owner: str, lease: float) -> list[str]:
    """Lease those of ``ids`` still free to ``owner``; the ones it got, in order.

    Rows another process is claiming are skipped, not waited for (SKIP LOCKED; SQLite
    has one writer at a time, so the conditions alone decide there).
    """
    if not ids:
        return []
    free = (
        select(Subscription.id)
        .where(
            Subscription.id.in_(list(ids)),
            Subscription.status == "active",
            Subscription.lease_until < now,
        )
        .order_by(Subscription.id)
        .with_for_update(skip_locked=True)
    )
    got = list(session.scalars(free))
    if got:
        session.execute(
            update(Subscription)
            .where(Subscription.id.in_(got))
            .values(lease_until=now + lease, lease_owner=owner)
        )
    order = {i: n for n, i in enumerate(ids)}
    return sorted(got, key=order.__getitem__)


def held_subscription(session: Session, subscription_id: str, owner: str) -> Subscription | None:
    """The subscription, locked for this transaction, if ``owner`` still holds its lease;
    None if it is gone or another process took it over (the lock makes the check and
    the writes that follow one step: a claim cannot come in between)."""
    subscription = session.get(Subscription, subscription_id, with_for_update=True)
    if subscription is None or subscription.lease_owner != owner:
        return None
    return subscription


def renew(session: Session, ids: Sequence[str], owner: str, until: float) -> int:
    """Move the leases ``owner`` still holds among ``ids`` to ``until``; how many."""
    if not ids:
        return 0
    result = session.execute(
        update(Subscription)
        .where(Subscription.id.in_(list(ids)), Subscription.lease_owner == owner)
        .values(lease_until=until)
    )
    return result.rowcount


def update_claimed(session: Session, subscription_id: str, owner: str, **values) -> bool:
    """Change a subscription this owner holds; False (nothing changed) if its lease
    went to another process meanwhile."""
    result = session.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id, Subscription.lease_owner == owner)
        .values(**values)
    )
    return result.rowcount == 1


def pending_delivery(session: Session, subscription_id: str) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, subscription_id)


def save_delivery(session: Session, delivery: WebhookDelivery) -> None:
    session.merge(delivery)
    session.flush()


def labels_ever(session: Session, signal_ids: Sequence[int]) -> dict[int, set[str]]:
    """Every label any contribution (retracted ones too) gave each signal."""
    out: dict[int, set[str]] = {}
    for chunk in chunks(list(signal_ids)):
        query = select(Contribution.signal_id, Contribution.labels).where(
            Contribution.signal_id.in_(chunk)
        )
        for sid, labels in session.execute(query):
            out.setdefault(sid, set()).update(labels)
    return out


def entry_times(session: Session, indexes: Sequence[int]) -> dict[int, object]:
    """The time of each of these log entries."""
    out = {}
    for chunk in chunks(sorted(set(indexes))):
        query = select(LogEntry.idx, LogEntry.created_at).where(LogEntry.idx.in_(chunk))
        out.update({idx: at for idx, at in session.execute(query)})
    return out


def queue_figures(session: Session, head: int) -> dict[str, float]:
    """Queue depth (log entries active subscriptions have not had yet), deliveries
    waiting for a retry and paused subscriptions: for the metrics."""
    behind = func.coalesce(
        func.sum(func.greatest(head - 1 - Subscription.cursor_index, 0))
        if session.bind.dialect.name == "postgresql"
        else func.sum(func.max(head - 1 - Subscription.cursor_index, 0)),
        0,
    )
    depth = session.scalar(select(behind).where(Subscription.status == "active"))
    retrying = session.scalar(
        select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.attempts > 0)
    )
    paused = session.scalar(
        select(func.count()).select_from(Subscription).where(Subscription.status == "paused")
    )
    return {"depth": float(depth or 0), "retrying": float(retrying), "paused": float(paused)}
