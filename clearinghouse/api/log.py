"""The transparency log over HTTP (DESIGN §6)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from clearinghouse.api.auth import signed
from clearinghouse.api.params import int_arg
from clearinghouse.api.root import current_root
from clearinghouse.services.read_models import transparency

__all__ = ["bp"]

bp = Blueprint("log", __name__)


@bp.get("/log/checkpoint")
def get_checkpoint():
    """Public: the latest signed checkpoint."""
    root = current_root()
    with root.db.read() as session:
        note = transparency.checkpoint(root.log_key, session)
    return Response(note, mimetype="text/plain")


@bp.get("/log/key")
def get_key():
    """Public: the verifier key of checkpoints, in note vkey format."""
    return Response(current_root().log_key.verifier().vkey + "\n", mimetype="text/plain")


@bp.get("/log/entries")
@signed("auditor")
def get_entries():
    start, end = int_arg("start"), int_arg("end")
    root = current_root()
    return jsonify(transparency.entries(root.db, start, end, root.settings.max_list_bytes))


@bp.get("/log/proof/inclusion")
@signed("auditor")
def get_inclusion():
    return jsonify(
        transparency.inclusion(current_root().db, int_arg("index"), int_arg("tree_size"))
    )


@bp.get("/log/proof/consistency")
@signed(("matcher", "auditor"))
def get_consistency():
    """Auditors and matchers: a mirror of the feed (the exchange) proves the log it follows
    only grew. The proof holds only node hashes of trees whose signed heads are public."""
    return jsonify(transparency.consistency(current_root().db, int_arg("first"), int_arg("second")))
