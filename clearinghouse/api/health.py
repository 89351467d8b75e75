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
    root = current_root()
    checks = health.readiness(root.db, root.settings.redis_url, root.readiness_checks)
    if not all(c["ok"] for c in checks.values()):
        failed = ", ".join(f"{name}: {c['detail']}" for name, c in checks.items() if not c["ok"])
        raise ServiceUnavailable(f"not ready ({failed})")
    return jsonify(status="ready", checks=checks)
