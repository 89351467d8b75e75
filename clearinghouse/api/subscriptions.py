"""Webhook subscriptions: POST, GET and DELETE /v1/subscriptions (matcher role)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from clearinghouse.api.auth import caller, signed
from clearinghouse.api.root import current_root
from clearinghouse.bootstrap import endpoint_rules
from clearinghouse.services.use_cases import subscriptions

__all__ = ["bp"]

bp = Blueprint("subscriptions", __name__)


@bp.post("/subscriptions")
@signed("matcher")
def add_subscription():
    root = current_root()
    answer = subscriptions.add(
        root.db,
        root.incidents,
        endpoint_rules(root.settings),
        caller(),
        request.get_data(cache=True),
    )
    return jsonify(answer), 201


@bp.get("/subscriptions")
@signed("matcher")
def list_subscriptions():
    return jsonify(subscriptions.listing(current_root().db, caller()))


@bp.delete("/subscriptions/<subscription_id>")
@signed("matcher")
def remove_subscription(subscription_id: str):
    subscriptions.remove(current_root().db, caller(), subscription_id)
    return "", 204
