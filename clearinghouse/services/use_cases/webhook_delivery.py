"""The deliverer: takes subscriptions that have something to send and sends it.

Each round reads the log head and the subscriptions that are due (one read), claims them
(``store/subscriptions.claim``: ``FOR UPDATE SKIP LOCKED`` and a lease, so several
processes on one PostgreSQL share the work and never send the same delivery at once),
then drains each claimed subscription in feed order: write the next delivery down, send
it, and on success move the cursor past it. A failed attempt keeps the delivery (same
``webhook-id``, same body) for a retry after ``retry_base·2^(n-1)`` seconds, capped, and
pauses the subscription with the reason once it has failed for ``retry_for`` seconds.
A process killed mid-delivery loses nothing: its lease runs out and the delivery, still
written down, is sent again (at least once). A live process never lets its leases run
out, however slow it is: while it runs, a heartbeat renews every subscription it holds
(claimed, not yet released) each quarter lease. Had the leases only been written at the
claim and before each send, a process busy draining one subscription (or simply starved
of CPU) would let the others' run out while it still meant to deliver to them, and a
second replica would send their changes again. Every write also reads the subscription
locked and checks the lease is still this process's (``rows.held_subscription``), so a
process that did lose one (frozen longer than a lease) never writes over the new holder.
In a burst the next batch is built (read only) while the current delivery is sent, and
written down as the next delivery only if the cursor still stands where it starts.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from clearinghouse.errors import ClearinghouseError
from clearinghouse.services.adapters.webhook_sender import Attempt, Sender
from clearinghouse.services.adapters.webhook_signing import new_webhook_id
from clearinghouse.services.read_models.webhook_queue import Batch, batch_body, next_batch
from clearinghouse.store import subscriptions as rows
from clearinghouse.store.db import Database
from clearinghouse.store.log import log_size
from clearinghouse.store.models import WebhookDelivery

__all__ = ["Deliverer", "DeliveryObserver", "DeliveryPolicy", "retry_delay"]

log = logging.getLogger("clearinghouse.webhooks")
CLAIM_LIMIT = 16  # subscriptions claimed per round
DRAIN_ROUNDS = 64  # deliveries sent to one subscription before others get a turn


def retry_delay(failures: int, base: float, cap: float) -> float:
    """Seconds before the next attempt after ``failures`` failed ones (1, 2, 4… × base)."""
    return min(cap, base * 2 ** min(failures - 1, 60))


class DeliveryObserver:
    """What the deliverer reports (the metrics subclass it); does nothing by default."""

    def delivered(self, changes: int, latency: float | None) -> None:
        """A delivery the endpoint accepted; ``latency`` from its oldest change's entry."""

    def failed(self, reason: str) -> None:
        """An attempt that failed, by reason."""


@dataclass(frozen=True)
class _Ahead:
    """A batch built while the delivery before it was sent, from that delivery's end."""

    start: tuple[int, int]
    batch: Batch


@dataclass(frozen=True)
class DeliveryPolicy:
    """The settings the deliverer reads (``CLEARINGHOUSE_WEBHOOK_*``), in seconds but
    ``batch_max`` (changes per delivery) and ``confirm_threshold`` (how signals are shown)."""

    lease: float
    batch_max: int
    retry_base: float
    retry_max_delay: float
    retry_for: float
    poll_interval: float
    confirm_threshold: int


class Deliverer:
    """Delivers for one process: ``run_once`` for a round, ``start`` for a thread."""

    def __init__(
        self,
        db: Database,
        policy: DeliveryPolicy,
        sender: Sender,
        *,
        clock: Callable[[], float] = time.time,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self.db = db
        self.policy = policy
        self.clock = clock
        self.owner = secrets.token_hex(8)
        self.observer = observer or DeliveryObserver()
        self.sender = sender
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._beat: threading.Thread | None = None
        self._held: set[str] = set()  # subscriptions claimed and not yet released
        # One thread building the next batch while a delivery is sent (threaded mode
        # only: a test driving run_once on its own clock builds each batch in turn).
        self._builder: ThreadPoolExecutor | None = None
        self._held_lock = threading.Lock()

    def wake(self) -> None:
        """Look at the queue now (this process just committed a change)."""
        self._wake.set()

    def run_once(self) -> int:
        """One round; the number of deliveries attempted."""
        now = self.clock()
        with self.db.read() as session:
            head = log_size(session)
            due = rows.due_subscriptions(session, now, head, CLAIM_LIMIT)
        if not due:
            return 0
        with self.db.write() as session:
            claimed = rows.claim(session, due, self.clock(), self.owner, self.policy.lease)
        with self._held_lock:
            self._held.update(claimed)
        return sum(self._drain(subscription_id) for subscription_id in claimed)

    def keep_leases(self) -> int:
        """Renew the lease of every subscription this process holds; how many it still
        held (the heartbeat calls this each quarter lease)."""
        with self._held_lock:
            held = sorted(self._held)
        if not held:
            return 0
        with self.db.write() as session:
            return rows.renew(session, held, self.owner, self.clock() + self.policy.lease)

    def _drain(self, subscription_id: str) -> int:
        attempted = 0
        ahead: _Ahead | None = None
        try:
            for _ in range(DRAIN_ROUNDS):
                work = self._prepare(subscription_id, ahead)
                if work is None:
                    return attempted
                url, secret, delivery = work
                # The next batch is built while this one is on the wire (the send waits
                # on the endpoint, the build on the database and the CPU).
                building = self._build_ahead(delivery)
                attempt = self.sender.send(url, secret, delivery.webhook_id, delivery.body)
                ahead = building.result() if building is not None else None
                attempted += 1
                if not self._record(subscription_id, delivery, attempt):
                    return attempted
            return attempted
        finally:
            self._release(subscription_id)

    def _build_ahead(self, delivery: WebhookDelivery) -> Future[_Ahead | None] | None:
        """The batch after ``delivery``, built in the background; None when the delivery
        reached the head (the next one waits for new changes anyway)."""
        if delivery.end_signal == rows.CAUGHT_UP or self._builder is None:
            return None
        return self._builder.submit(self._ahead, delivery)

    def _ahead(self, delivery: WebhookDelivery) -> _Ahead | None:
        p = self.policy
        try:
            with self.db.read() as session:
                subscription = rows.get_subscription(session, delivery.subscription_id)
                if subscription is None:
                    return None
                start = (delivery.end_index, delivery.end_signal)
                subscription.cursor_index, subscription.cursor_signal = start
                session.expunge(subscription)  # read only: the cursor moved here stays here
                head = log_size(session)
                batch = next_batch(p.confirm_threshold, session, subscription, head, p.batch_max)
                return _Ahead(start, batch)
        except Exception:  # the next _prepare builds it instead
            log.exception("webhook batch not built ahead")
            return None

    def _prepare(
        self, subscription_id: str, ahead: _Ahead | None = None
    ) -> tuple[str, str, WebhookDelivery] | None:
        """The delivery to send next (written down first), or None when there is none;
        ``ahead`` is the next batch if it was built while the last one was sent."""
        p = self.policy
        while True:
            with self.db.write() as session:
                subscription = rows.held_subscription(session, subscription_id, self.owner)
                if subscription is None or subscription.status != "active":
                    return None
                subscription.lease_until = self.clock() + p.lease
                pending = rows.pending_delivery(session, subscription_id)
                if pending is not None:
                    return subscription.url, subscription.secret, pending
                cursor = (subscription.cursor_index, subscription.cursor_signal)
                if ahead is not None and ahead.start == cursor:
                    batch = ahead.batch  # bounded by the head it read, as a fresh one
                else:
                    head = log_size(session)
                    batch = next_batch(
                        p.confirm_threshold, session, subscription, head, p.batch_max
                    )
                ahead = None
                moved = batch.cursor != (subscription.cursor_index, subscription.cursor_signal)
                if batch.events:
                    delivery = WebhookDelivery(
                        subscription_id=subscription_id,
                        webhook_id=new_webhook_id(),
                        body=batch_body(batch.events),
                        changes=len(batch.events),
                        end_index=batch.cursor[0],
                        end_signal=batch.cursor[1],
                        oldest_change_at=batch.oldest or self.clock(),
                        attempts=0,
                    )
                    rows.save_delivery(session, delivery)
                    return subscription.url, subscription.secret, delivery
                subscription.cursor_index, subscription.cursor_signal = batch.cursor
                if not moved or batch.cursor[1] == rows.CAUGHT_UP:
                    return None

    def _record(self, subscription_id: str, delivery: WebhookDelivery, attempt: Attempt) -> bool:
        """Write the attempt's outcome; True when the subscription may go on at once."""
        p = self.policy
        now = self.clock()
        with self.db.write() as session:
            subscription = rows.held_subscription(session, subscription_id, self.owner)
            if subscription is None:
                return False  # removed, or taken over after a lease ran out
            pending = rows.pending_delivery(session, subscription_id)
            if attempt.ok:
                if pending is not None:
                    session.delete(pending)
                subscription.cursor_index = delivery.end_index
                subscription.cursor_signal = delivery.end_signal
                subscription.failing_since = None
                subscription.next_attempt_at = 0.0
                self.observer.delivered(delivery.changes, now - delivery.oldest_change_at)
                return True
            self.observer.failed(attempt.reason or "failed")
            failures = (pending.attempts if pending is not None else 0) + 1
            if pending is not None:
                pending.attempts = failures
                pending.last_error = _describe(attempt)
            since = subscription.failing_since or now
            subscription.failing_since = since
            if now - since >= p.retry_for:
                subscription.status = "paused"
                subscription.paused_reason = (
                    f"deliveries failed for {int(now - since)} s; last: {_describe(attempt)}"
                )
                log.warning("webhook subscription %s paused", subscription_id)
            else:
                delay = retry_delay(failures, p.retry_base, p.retry_max_delay)
                subscription.next_attempt_at = now + delay
            return False

    def _release(self, subscription_id: str) -> None:
        with self._held_lock:
            self._held.discard(subscription_id)
        try:
            with self.db.write() as session:
                rows.update_claimed(
                    session, subscription_id, self.owner, lease_until=0.0, lease_owner=None
                )
        except ClearinghouseError as exc:  # the lease runs out by itself
            log.warning("webhook lease not released: %s", exc.detail)

    def start(self) -> None:
        """Deliver in a daemon thread until ``stop``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
            self._thread.start()

    def run_forever(self) -> None:
        """Deliver in this thread until ``stop`` (``clearinghouse deliver``)."""
        self._run()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.policy.lease / 4):
            try:
                self.keep_leases()
            except ClearinghouseError as exc:  # the next beat tries again
                log.warning("webhook leases not renewed: %s", exc.detail)
            except Exception:
                log.exception("webhook leases not renewed")

    def _run(self) -> None:
        self._builder = ThreadPoolExecutor(1, thread_name_prefix="webhook-batches")
        self._beat = threading.Thread(target=self._heartbeat, name="webhook-leases", daemon=True)
        self._beat.start()
        interval = self.policy.poll_interval
        while not self._stop.is_set():
            busy = 0
            self._wake.clear()  # a wake during the round makes the next one start at once
            try:
                busy = self.run_once()
            except ClearinghouseError as exc:  # e.g. the database is down: retry
                log.warning("webhook delivery: %s", exc.detail)
            except Exception:  # keep delivering; the next round retries
                log.exception("webhook delivery failed")
            if not busy:
                self._wake.wait(interval)

    def interrupt(self) -> None:
        """Make ``run_forever`` return after the current round (a signal handler)."""
        self._stop.set()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in (self._thread, self._beat):
            if thread is not None:
                thread.join(timeout=10)
        if self._builder is not None:
            self._builder.shutdown(wait=True)
        self.sender.close()


def _describe(attempt: Attempt) -> str:
    return f"{attempt.reason}{f' ({attempt.detail})' if attempt.detail else ''}"[:300]
