"""Names fixed by the wire contract (DESIGN §4.2), shared by the server and the SDK."""

from __future__ import annotations

__all__ = [
    "ENDPOINTS",
    "EXCHANGE_NAMES",
    "FEED_PAGE_LIMIT",
    "LOG_ENTRIES_LIMIT",
    "MATCH_QUERIES_LIMIT",
    "PAYLOAD_TYPES",
    "VERDICTS",
]

PAYLOAD_TYPES = {
    "submission": "application/vnd.clearinghouse.submission+json",
    "retraction": "application/vnd.clearinghouse.retraction+json",
    "feedback": "application/vnd.clearinghouse.feedback+json",
}
VERDICTS = ("agree", "disagree")  # of a feedback item
FEED_PAGE_LIMIT = 1_000  # signals per page of GET /v1/signals
LOG_ENTRIES_LIMIT = 1_000  # entries per GET /v1/log/entries
MATCH_QUERIES_LIMIT = 1_000  # queries per POST /v1/match by default (configurable)
ENDPOINTS = {
    "submission": "/v1/submissions",
    "retraction": "/v1/retractions",
    "feedback": "/v1/feedback",
}
# Our signal types under the names python-threatexchange gives them (SignalType.get_name()):
# it knows file digests only as video digests.
EXCHANGE_NAMES = {"pdq": "pdq", "md5": "video_md5", "sha256": "video_sha256", "vpdq": "vpdq"}
