"""Readiness checks: what must hold before the service takes traffic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearinghouse.errors import ClearinghouseError
from clearinghouse.store.migrate import current_revision, head_revision

if TYPE_CHECKING:
    from clearinghouse.bootstrap import Root

__all__ = ["readiness"]


def readiness(root: Root) -> dict[str, dict]:
    """Each check with ``ok`` and a short ``detail``."""
    checks: dict[str, dict] = {}
    try:
        root.db.ping()
        checks["database"] = {"ok": True, "detail": "reachable"}
    except ClearinghouseError as exc:
        checks["database"] = {"ok": False, "detail": exc.detail}
        return checks
    current = current_revision(root.db.engine)
    head = head_revision(root.settings.effective_database_url)
    checks["migrations"] = {
        "ok": current == head,
        "detail": f"at {current}" if current == head else f"at {current}, head is {head}",
    }
    for name, check in root.readiness_checks().items():
        checks[name] = check
    return checks
