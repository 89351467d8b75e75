"""Statements and signals: POST submissions/retractions/feedback, GET signals."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from clearinghouse.api.auth import caller, signed
from clearinghouse.api.params import int_arg
from clearinghouse.api.root import current_root
from clearinghouse.services.read_models import signal_views
from clearinghouse.services.use_cases import statements

__all__ = ["bp"]

bp = Blueprint("statements", __name__)


def _accept(kind: str, role: str):
    @signed(role)
    def view():
        answer = statements.accept_statement(
            current_root().statements, kind, caller(), request.get_data(cache=True)
        )
        return jsonify(answer), 201

    view.__name__ = f"post_{kind}"
    return view


bp.add_url_rule("/submissions", view_func=_accept("submission", "submitter"), methods=["POST"])
bp.add_url_rule("/retractions", view_func=_accept("retraction", "submitter"), methods=["POST"])
bp.add_url_rule("/feedback", view_func=_accept("feedback", "matcher"), methods=["POST"])


@bp.get("/signals/<int:signal_id>")
@signed("matcher")
def get_signal(signal_id: int):
    root = current_root()
    threshold = root.settings.confirm_threshold
    return jsonify(signal_views.signal_detail(root.db, threshold, signal_id, caller()))


@bp.get("/signals")
@signed("matcher")
def signal_feed():
    limit = int_arg("limit", required=False)
    after, incident = request.args.get("after"), request.args.get("incident")
    root = current_root()
    return jsonify(signal_views.feed(root.db, root.feed_limits, after, limit, caller(), incident))
