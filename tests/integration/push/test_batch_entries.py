"""A webhook batch is built from few queries (``store/webhook_batches.py``), and its
entries are exactly the feed's: checked against ``feed_entries`` (the feed's own reads),
the slow twin, over a page holding every kind of change, and its event types against
a naive reading of the contributions."""

from __future__ import annotations

from sqlalchemy import func, select
from support import pdq_item, random_pdq

from clearinghouse.services.read_models.signal_views import feed_entries
from clearinghouse.services.read_models.webhook_queue import next_batch
from clearinghouse.store import subscriptions as rows
from clearinghouse.store.log import log_size
from clearinghouse.store.models import Contribution, Statement, Subscription
from clearinghouse.store.signal_reads import feed_page

MD5 = {"signal_type": "md5", "value": "cd" * 16, "content_type": "video/mp4",
       "labels": ["behaviour:glorification-of-terrorist-acts"]}  # fmt: skip


def _subscription(member: str, after_index: int) -> Subscription:
    return Subscription(member_id=member, filters={}, cursor_index=after_index, cursor_signal=0)


def test_the_batch_entries_are_the_feeds(db, settings, members):
    alpha, bravo = members
    values = [random_pdq() for _ in range(5)]
    first = alpha.state("submission", [pdq_item(v) for v in values] + [MD5])
    assert first.status_code == 201, first.json
    submitted_at = first.json["log_index"]
    video = pdq_item(values[0], content_type="video/mp4", labels=["behaviour:attacker-manifesto"])
    dispute = {"signal_type": "pdq", "value": values[1], "verdict": "disagree", "reason": "no"}
    changes = [
        bravo.state("submission", [video, pdq_item(random_pdq())]),  # corroborated, and new
        bravo.state("feedback", [dispute]),
        alpha.state("retraction", [{"signal_type": "pdq", "value": values[2], "reason": "x"}]),
        bravo.state("submission", [pdq_item(values[3])]),
        bravo.state("retraction", [{"signal_type": "pdq", "value": values[3], "reason": "y"}]),
    ]
    assert all(r.status_code == 201 for r in changes), [r.json for r in changes]
    kinds = set()
    threshold = settings.confirm_threshold
    with db.read() as session:
        head = log_size(session)
        born = dict(
            session.execute(
                select(Contribution.signal_id, func.min(Statement.log_index))
                .join(Statement, Statement.id == Contribution.statement_id)
                .group_by(Contribution.signal_id)
            ).all()
        )
        # From before the first submission (all new), and after it (corroborations,
        # verdicts and retractions of signals the subscriber had heard of); several
        # pages, and one.
        for start, limit in [(submitted_at - 1, 3), (submitted_at - 1, 500), (submitted_at, 3)]:
            subscription = _subscription("bravo", start)
            events, read_after = [], []  # each event, and the log index its batch read after
            while True:
                batch = next_batch(threshold, session, subscription, head, limit)
                events += batch.events
                read_after += [subscription.cursor_index] * len(batch.events)
                if not batch.events and batch.cursor[0] >= head - 1:
                    break
                subscription.cursor_index, subscription.cursor_signal = batch.cursor
            page = feed_page(session, (start, 0), 500)
            assert [e["data"] for e in events] == feed_entries(threshold, session, page, "bravo")
            kinds |= {e["type"] for e in events}
            for event, signal, after in zip(events, page, read_after, strict=True):
                expected = (
                    "signal.retracted" if signal.status == "retracted"
                    else "signal.created" if born[signal.id] > after
                    else "signal.updated"
                )  # fmt: skip
                assert event["type"] == expected
    assert kinds == {"signal.created", "signal.updated", "signal.retracted"}
    entries = {e["data"]["signal_id"]: e["data"] for e in events}
    assert any(e.get("is_mine") for e in entries.values())
    assert any(len(e.get("content_types", [])) == 2 for e in entries.values())
    assert any(e.get("disputed") for e in entries.values())


def test_a_change_committed_after_the_head_was_read_waits_for_the_next_batch(db, settings, members):
    # On PostgreSQL each query sees what was committed when it began: a statement
    # committed between the head read and the page read must not enter this batch,
    # whose cursor stands at the old head (it would be sent again in the next one).
    alpha, _ = members
    before = [random_pdq() for _ in range(3)]
    after = [random_pdq() for _ in range(2)]
    first = alpha.state("submission", [pdq_item(v) for v in before])
    assert first.status_code == 201, first.json
    with db.read() as session:
        head = log_size(session)
    assert alpha.state("submission", [pdq_item(v) for v in after]).status_code == 201
    subscription = _subscription("bravo", first.json["log_index"] - 1)
    sent = []
    with db.read() as session:
        for read_head in (head, log_size(session), log_size(session)):
            batch = next_batch(settings.confirm_threshold, session, subscription, read_head, 500)
            sent.append([e["data"]["value"] for e in batch.events])
            assert batch.cursor == (read_head - 1, rows.CAUGHT_UP)
            subscription.cursor_index, subscription.cursor_signal = batch.cursor
    assert sent == [before, after, []]  # each change once, in its turn
