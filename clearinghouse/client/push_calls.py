"""The SDK's calls for declared incidents and webhook subscriptions (DESIGN §14), and the
release of a held signal (§15), mixed into ``Client`` (``client/api.py``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from clearinghouse.client.statements import sign_incident, sign_release
from clearinghouse.errors import VerificationError

__all__ = ["PushCalls"]


class PushCalls:
    """Needs ``member``, ``key``, ``_json`` and ``submit_envelope`` of ``Client``."""

    # -- incidents (DESIGN §14) -----------------------------------------------------------

    def incident(self, action: str, slug: str, *, title: str = "", summary: str = "") -> dict:
        """Declare, update or conclude an incident (the coordinator role); signed and logged."""
        envelope = sign_incident(self.member, action, slug, self.key, title=title, summary=summary)
        return self.submit_envelope("incident", envelope)

    def incidents(self) -> list[dict[str, Any]]:
        """Every declared incident with its declared, updated and concluded times."""
        found = self._json("GET", "/v1/incidents").get("incidents")
        if not isinstance(found, list):
            raise VerificationError("the incidents answer has no list")
        return found

    # -- held signals (DESIGN §15) ---------------------------------------------------------

    def release(self, signal_id: int, reason: str) -> dict:
        """Release a held signal this member contributes; signed and logged."""
        envelope = sign_release(self.member, signal_id, reason, self.key)
        return self.submit_envelope("release", envelope)

    # -- webhook subscriptions (DESIGN §14) ------------------------------------------------

    def add_subscription(self, url: str, filters: Mapping[str, Any] | None = None) -> dict:
        """Register a webhook endpoint; the answer's ``secret`` is shown only this once."""
        body = _body({"url": url, "filters": dict(filters or {})})
        return self._json("POST", "/v1/subscriptions", body=body, idempotent=False)

    def subscriptions(self) -> list[dict[str, Any]]:
        """This member's subscriptions, each with its ``status`` (and why, when paused)."""
        found = self._json("GET", "/v1/subscriptions").get("subscriptions")
        if not isinstance(found, list):
            raise VerificationError("the subscriptions answer has no list")
        return found

    def remove_subscription(self, subscription_id: str) -> None:
        """Delete one of this member's subscriptions."""
        self._json("DELETE", f"/v1/subscriptions/{subscription_id}", idempotent=False)


def _body(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")
