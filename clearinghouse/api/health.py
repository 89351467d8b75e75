"""Liveness and readiness, outside /v1 and public."""

from __future__ import annotations

from flask import Blueprint, jsonify

from clearinghouse.api.root import current_root
from clearinghouse.errors import ServiceUnavailable
from clearinghouse.services.read_models import health

__all__ = ["bp"]

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive and serving requests."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready to serve: database reachable, migrations at head, indexes loaded."""
    checks = health.readiness(current_root())
    if not all(c["ok"] for c in checks.values()):
        failed = ", ".join(f"{name}: {c['detail']}" for name, c in checks.items() if not c["ok"])
        raise ServiceUnavailable(f"not ready ({failed})")
    return jsonify(status="ready", checks=checks)
