"""Readiness checks: what must hold before the service takes traffic."""

from __future__ import annotations

from clearinghouse.errors import ClearinghouseError
from clearinghouse.services.context import ServiceContext
from clearinghouse.store.migrate import current_revision, head_revision

__all__ = ["readiness"]


def readiness(ctx: ServiceContext) -> dict[str, dict]:
    """Each check with ``ok`` and a short ``detail``."""
    checks: dict[str, dict] = {}
    try:
        ctx.db.ping()
        checks["database"] = {"ok": True, "detail": "reachable"}
    except ClearinghouseError as exc:
        checks["database"] = {"ok": False, "detail": exc.detail}
        return checks
    current = current_revision(ctx.db.engine)
    head = head_revision(ctx.settings.effective_database_url)
    checks["migrations"] = {
        "ok": current == head,
        "detail": f"at {current}" if current == head else f"at {current}, head is {head}",
    }
    for name, check in ctx.readiness_checks().items():
        checks[name] = check
    return checks
