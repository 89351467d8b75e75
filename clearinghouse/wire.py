"""Facts fixed by the wire contract (DESIGN §3, §4.2, §6, §11), in one place for the
server, the SDK, the command line and the OpenAPI document alike: the signal types, the
kinds of statement and log entry, roles and verdicts, the page and batch limits, and the
two encodings every answer uses (standard base64, RFC 3339 times to the millisecond)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

__all__ = [
    "CONTENT_TYPES",
    "ENDPOINTS",
    "ENTRY_TYPES",
    "EXCHANGE_NAMES",
    "FEED_PAGE_LIMIT",
    "HOLDERS",
    "INCIDENT_ACTIONS",
    "INCIDENT_SLUG",
    "KEY_ID",
    "LOG_ENTRIES_LIMIT",
    "MATCH_QUERIES_LIMIT",
    "MEMBER_ID",
    "PAYLOAD_TYPES",
    "REGIONS_PER_ITEM_LIMIT",
    "ROLES",
    "SIGNAL_TYPES",
    "STATEMENT_ITEMS_LIMIT",
    "STATEMENT_ROLES",
    "VERDICTS",
    "VPDQ_FRAMES_LIMIT",
    "VPDQ_QUERY_FRAMES_LIMIT",
    "WEBHOOK_EVENT_TYPES",
    "b64decode",
    "b64encode",
    "iso",
    "parse_time",
    "utcnow",
]

# The media types a submission's ``content_type`` may name (docs/signals.md): every type
# ``clearinghouse hash`` sniffs, and a few more a member's own pipeline may report.
CONTENT_TYPES = frozenset(
    {
        "image/avif", "image/bmp", "image/gif", "image/heic", "image/heif", "image/jpeg",
        "image/png", "image/svg+xml", "image/tiff", "image/webp",
        "video/3gpp", "video/mp2t", "video/mp4", "video/mpeg", "video/ogg", "video/quicktime",
        "video/webm", "video/x-flv", "video/x-matroska", "video/x-msvideo",
        "audio/mpeg", "audio/ogg", "audio/wav",
        "application/gzip", "application/octet-stream", "application/pdf",
        "application/vnd.rar", "application/x-7z-compressed", "application/zip",
        "text/html", "text/plain",
    }
)  # fmt: skip

# Every signal type a deployment may accept (DESIGN §3.1), in the order they are listed.
SIGNAL_TYPES = ("pdq", "phash", "dhash", "ahash", "whash", "vpdq", "tmk", "md5", "sha256", "sha512")
PAYLOAD_TYPES = {
    "submission": "application/vnd.clearinghouse.submission+json",
    "retraction": "application/vnd.clearinghouse.retraction+json",
    "feedback": "application/vnd.clearinghouse.feedback+json",
    "incident": "application/vnd.clearinghouse.incident+json",
    "release": "application/vnd.clearinghouse.release+json",
}
ENDPOINTS = {
    "submission": "/v1/submissions",
    "retraction": "/v1/retractions",
    "feedback": "/v1/feedback",
    "incident": "/v1/incidents",
    "release": "/v1/releases",
}
# Identifiers, always matched whole (``fullmatch``: "$" would let a "\n" through).
MEMBER_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
KEY_ID = re.compile(r"[0-9a-f]{32}")  # the first 16 bytes of the key's SHA-256, in hex
ROLES = ("submitter", "matcher", "auditor", "coordinator")
# The role the server requires to accept each kind of statement.
STATEMENT_ROLES = {
    "submission": "submitter",
    "retraction": "submitter",
    "feedback": "matcher",
    "incident": "coordinator",
    "release": "submitter",  # a member contributing the held signal releases it
}
# Declared incidents (DESIGN §14): the actions of an incident statement, its slug (the
# label ``incident:<slug>``), and the webhook event each action sends.
INCIDENT_ACTIONS = {
    "declare": "incident.declared",
    "update": "incident.updated",
    "conclude": "incident.concluded",
}
INCIDENT_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
WEBHOOK_EVENT_TYPES = (
    "signal.created",
    "signal.updated",
    "signal.retracted",
    *INCIDENT_ACTIONS.values(),
)
VERDICTS = ("agree", "disagree")  # of a feedback item
# Held signals (DESIGN §15): who may hold one (the server's checker, or the operator); the
# operator or a member contributing it (a release statement) releases it.
HOLDERS = ("checker", "operator")
# The ``type`` of every log entry (DESIGN §6): membership, the taxonomy, holds (by the
# server's checker or the operator) and their release by the operator, and the statements.
ENTRY_TYPES = frozenset(
    {
        "member_added",
        "member_suspended",
        "member_unsuspended",
        "member_roles_changed",
        "key_added",
        "key_revoked",
        "taxonomy",
        "signal_held",
        "signal_released",
        *PAYLOAD_TYPES,
    }
)

FEED_PAGE_LIMIT = 1_000  # signals per page of GET /v1/signals
LOG_ENTRIES_LIMIT = 1_000  # entries per GET /v1/log/entries
MATCH_QUERIES_LIMIT = 1_000  # queries per POST /v1/match by default (configurable)
STATEMENT_ITEMS_LIMIT = 10_000  # items per statement by default (configurable)
VPDQ_FRAMES_LIMIT = 10_000  # frames per submitted vPDQ value by default (configurable)
VPDQ_QUERY_FRAMES_LIMIT = 1_000  # frames per vPDQ lookup by default (configurable)
REGIONS_PER_ITEM_LIMIT = 16  # region PDQs per submitted PDQ item (DESIGN §15)

# Our signal types under the names python-threatexchange gives them (SignalType.get_name()):
# it knows file digests only as video digests.
EXCHANGE_NAMES = {"pdq": "pdq", "md5": "video_md5", "sha256": "video_sha256", "vpdq": "vpdq"}


def b64encode(raw: bytes) -> str:
    """Standard padded base64 (RFC 4648 §4), as every hash, key and entry is sent."""
    return base64.b64encode(raw).decode("ascii")


def b64decode(text: str) -> bytes:
    """The bytes of standard base64; ``ValueError`` for any other character or bad padding.

    DSSE envelopes, which also admit the URL-safe alphabet, have their own reader
    (``crypto/dsse.py``).
    """
    if not isinstance(text, str):
        raise ValueError(f"expected base64 text, got {type(text).__name__}")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64: {exc}") from None


def utcnow() -> datetime:
    """Now, to the millisecond: the precision of entry times, so that every time the
    state keeps is exactly the time of the log entry that set it (``db check``)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(moment: datetime) -> str:
    """RFC 3339 UTC with millisecond precision, as written in entries and answers.

    Fixed width, so the text order is the time order. A naive ``moment`` is UTC already
    (SQLite hands back the UTC times it stored without their offset), never local time.
    """
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """An RFC 3339 time (``Z`` or an offset) as an aware datetime; ``ValueError`` if it is
    not one or has no time zone."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment
