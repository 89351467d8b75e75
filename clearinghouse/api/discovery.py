"""What a member can find out before acting: the labels in force, and who its key is."""

from __future__ import annotations

from flask import Blueprint, jsonify

from clearinghouse.api.auth import caller, signed
from clearinghouse.api.root import current_root
from clearinghouse.services.use_cases import taxonomy

__all__ = ["bp"]

bp = Blueprint("discovery", __name__)


@bp.get("/labels")
@signed(None)
def get_labels():
    return jsonify(taxonomy.labels_in_force(current_root().incidents.taxonomy()))


@bp.get("/members/me")
@signed(None)
def get_me():
    """The member the signing key belongs to: lets a client check its configuration."""
    who = caller()
    return jsonify({"member": who.member, "key_id": who.key_id, "roles": sorted(who.roles)})
