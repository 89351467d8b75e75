"""Webhook subscriptions of a member (DESIGN §14): register, list, remove.

Registration checks the endpoint against the delivery rules (the same check runs again
at every delivery) and answers the endpoint's secret once; a new subscription hears of
the changes from the moment it was made on.
"""

from __future__ import annotations

import secrets

from clearinghouse.errors import Conflict, InvalidInput, NotFound
from clearinghouse.ijson import read_json
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.adapters.incident_board import IncidentBoard
from clearinghouse.services.adapters.webhook_endpoints import EndpointRules
from clearinghouse.services.adapters.webhook_filters import Filters
from clearinghouse.services.adapters.webhook_signing import new_secret
from clearinghouse.store import subscriptions as rows
from clearinghouse.store.db import Database
from clearinghouse.store.log import log_size
from clearinghouse.store.models import Subscription
from clearinghouse.wire import iso, utcnow

__all__ = ["SUBSCRIPTIONS_PER_MEMBER", "add", "listing", "queue_figures", "remove"]

SUBSCRIPTIONS_PER_MEMBER = 20
_FIELDS = {"url", "filters"}


def add(
    db: Database, board: IncidentBoard, rules: EndpointRules, caller: Caller, body: bytes
) -> dict:
    """Register an endpoint for the caller, checked against the delivery ``rules``, its
    filters' labels against the taxonomy of the ``board``; the answer holds the secret,
    shown only here."""
    request = read_json(body or b"", what="body")
    if not isinstance(request, dict):
        raise InvalidInput("body: expected a JSON object")
    unknown = sorted(request.keys() - _FIELDS)
    if unknown or "url" not in request:
        extra = f", not {', '.join(unknown)}" if unknown else ""
        raise InvalidInput(f"body: expected url and filters{extra}")
    filters = Filters.read(request.get("filters"), board.taxonomy())
    endpoint = rules.check(request["url"])
    secret = new_secret()
    now = utcnow()
    with db.write() as session:
        if len(rows.member_subscriptions(session, caller.member)) >= SUBSCRIPTIONS_PER_MEMBER:
            raise Conflict(f"a member has at most {SUBSCRIPTIONS_PER_MEMBER} subscriptions")
        subscription = Subscription(
            id="sub_" + secrets.token_hex(12),
            member_id=caller.member,
            url=endpoint.url,
            filters=filters.to_dict(),
            secret=secret,
            status="active",
            created_at=now,
            # From now on: after every change up to the head as it stands.
            cursor_index=log_size(session) - 1,
            cursor_signal=rows.CAUGHT_UP,
            next_attempt_at=0.0,
            lease_until=0.0,
        )
        rows.add_subscription(session, subscription)
        shown = _shown(subscription, None)
    return {**shown, "secret": secret}


def listing(db: Database, caller: Caller) -> dict:
    """The caller's subscriptions with their status (and why, when paused)."""
    with db.read() as session:
        found = rows.member_subscriptions(session, caller.member)
        shown = [_shown(s, rows.pending_delivery(session, s.id)) for s in found]
    return {"subscriptions": shown}


def remove(db: Database, caller: Caller, subscription_id: str) -> None:
    """Delete one of the caller's subscriptions; 404 for any other id."""
    with db.write() as session:
        if not rows.remove_subscription(session, caller.member, subscription_id[:64]):
            raise NotFound(f"no subscription {subscription_id[:64]!r} of yours")


def queue_figures(db: Database) -> dict[str, float]:
    """Queue depth, deliveries retrying and paused subscriptions, for the metrics."""
    with db.read() as session:
        return rows.queue_figures(session, log_size(session))


def _shown(subscription: Subscription, pending) -> dict:
    out = {
        "id": subscription.id,
        "url": subscription.url,
        "filters": subscription.filters,
        "status": subscription.status,
        "created": iso(subscription.created_at),
    }
    if subscription.status == "paused":
        out["paused_reason"] = subscription.paused_reason
    if pending is not None and pending.attempts:
        out["retrying"] = {"attempts": pending.attempts, "last_error": pending.last_error}
    return out
