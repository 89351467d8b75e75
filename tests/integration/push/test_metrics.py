"""The push metrics on /metrics: queue depth, deliveries waiting for a retry and paused
subscriptions read from the database at scrape time; deliveries, changes, failures by
reason and the latency histogram counted by the process's deliverer."""

from __future__ import annotations

from sqlalchemy import update
from support import add_member, pdq_item, random_pdq

from clearinghouse.api import create_app
from clearinghouse.store.models import Subscription

from .receiver import Receiver
from .test_delivery import subscribe

TOKEN = "push-scrape-token"


def _scrape(client) -> dict[str, float]:
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True
    )
    out = {}
    for line in text.splitlines():
        if line.startswith("clearinghouse_webhook"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_queue_depth_retries_pauses_failures_and_latency(db, root):
    root.settings = root.settings.replace(metrics_token=TOKEN)
    app = create_app(root=root)
    client = app.test_client()
    alpha = add_member(db, client, "alpha", "submitter")
    bravo = add_member(db, client, "bravo", "matcher")
    good, failing, later = Receiver(), Receiver(), Receiver()
    failing.answers = [503]
    try:
        subs = [subscribe(bravo, r.url) for r in (good, failing, later)]
        assert alpha.state("submission", [pdq_item(random_pdq())]).status_code == 201
        before = _scrape(client)
        assert before["clearinghouse_webhook_queue_depth"] == 3  # one entry behind, each
        assert before["clearinghouse_webhook_paused_subscriptions"] == 0
        with db.write() as session:
            session.execute(
                update(Subscription)
                .where(Subscription.id == subs[2]["id"])
                .values(status="paused", paused_reason="failed for a day")
            )
        assert root.deliverer.run_once() == 2
        after = _scrape(client)
    finally:
        for r in (good, failing, later):
            r.close()
    assert len(good.requests) == 1 and len(failing.requests) == 1 and not later.requests
    assert after["clearinghouse_webhook_queue_depth"] == 1  # the failing one's entry
    assert after["clearinghouse_webhook_retrying"] == 1
    assert after["clearinghouse_webhook_paused_subscriptions"] == 1
    assert after["clearinghouse_webhook_deliveries_total"] == 1
    assert after["clearinghouse_webhook_changes_total"] == 1
    assert after['clearinghouse_webhook_failures_total{reason="status-5xx"}'] == 1
    assert after["clearinghouse_webhook_latency_seconds_count"] == 1
    assert after['clearinghouse_webhook_latency_seconds_bucket{le="+Inf"}'] == 1
