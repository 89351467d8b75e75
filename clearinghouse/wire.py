"""Names fixed by the wire contract (DESIGN §4.2), shared by the server and the SDK."""

from __future__ import annotations

__all__ = ["ENDPOINTS", "PAYLOAD_TYPES"]

PAYLOAD_TYPES = {
    "submission": "application/vnd.clearinghouse.submission+json",
    "retraction": "application/vnd.clearinghouse.retraction+json",
    "feedback": "application/vnd.clearinghouse.feedback+json",
}
ENDPOINTS = {
    "submission": "/v1/submissions",
    "retraction": "/v1/retractions",
    "feedback": "/v1/feedback",
}
