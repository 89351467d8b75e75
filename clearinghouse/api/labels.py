"""``GET /v1/labels``: the label taxonomy in force, for members choosing labels."""

from __future__ import annotations

from flask import Blueprint, jsonify

from clearinghouse.api.auth import signed
from clearinghouse.api.context import service_context
from clearinghouse.services import taxonomy

bp = Blueprint("labels", __name__)


@bp.get("/labels")
@signed(None)
def get_labels():
    return jsonify(taxonomy.labels_in_force(service_context()))
