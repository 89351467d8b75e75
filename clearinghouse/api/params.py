"""What a request carries, read strictly: query parameters, path integers, JSON bodies.

Every malformed part is a clear 400 naming it, never a 500: integers are plain decimal
within a database's 64-bit range, no parameter holds a control character, and a JSON
body goes through the one I-JSON reader (``clearinghouse.ijson``).
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, request
from werkzeug.routing import IntegerConverter

from clearinghouse.errors import InvalidInput, UnsupportedMediaType
from clearinghouse.ijson import only_fields, read_json

__all__ = [
    "MAX_ID",
    "QUERY_PARAMETERS",
    "BoundedInt",
    "check_content_type",
    "check_parameters",
    "check_query",
    "int_arg",
    "json_body",
]

MAX_ID = 2**63 - 1  # the largest BIGINT: ids, indexes and sizes beyond it name nothing
_DECIMAL = re.compile(r"-?[0-9]{1,19}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def int_arg(name: str, *, required: bool = True) -> int | None:
    """The integer query parameter ``name``; missing (when required) or malformed is 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise InvalidInput(f"{name}: required")
        return None
    if not _DECIMAL.fullmatch(raw) or abs(int(raw)) > MAX_ID:
        raise InvalidInput(f"{name}: expected an integer below 2^63, got {raw[:40]!r}")
    return int(raw)


# The query parameters each /v1 endpoint reads; any other one there is refused (400), so
# a misspelt ``max_distnace`` cannot silently fall back to a default. A /v1 endpoint
# missing from this table takes none: add it here when it reads one.
QUERY_PARAMETERS: dict[str, frozenset[str]] = {
    "statements.signal_feed": frozenset({"after", "limit", "incident"}),
    "keys.revoke_key": frozenset({"force"}),
    "log.get_entries": frozenset({"start", "end"}),
    "log.get_inclusion": frozenset({"index", "tree_size"}),
    "log.get_consistency": frozenset({"first", "second"}),
    "match.get_match": frozenset(
        {"signal_type", "value", "max_distance", "dihedral", "level1_threshold", "level2_threshold"}
    ),
}


def check_query() -> None:
    """Refuse control characters in any query parameter name or value (NUL included); on
    public endpoints also what ``check_parameters`` refuses (signed ones check it once the
    signature is verified, so a stranger learns nothing but 401)."""
    for name, value in request.args.items(multi=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            raise InvalidInput(f"query parameter {name[:40]!r}: holds a control character")
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and not getattr(view, "signed", False):
        check_parameters()


def check_parameters() -> None:
    """Refuse a query parameter given twice, and on /v1 one the endpoint does not read."""
    seen: set[str] = set()
    for name, _ in request.args.items(multi=True):
        if name in seen:
            raise InvalidInput(f"query parameter {name[:40]!r}: given more than once")
        seen.add(name)
    if seen and request.path.startswith("/v1/") and request.endpoint is not None:
        unknown = sorted(seen - QUERY_PARAMETERS.get(request.endpoint, frozenset()))
        if unknown:
            raise InvalidInput(
                f"query parameter {unknown[0][:40]!r}: not read by {request.method} "
                f"{request.url_rule.rule if request.url_rule else request.path}"
            )


def check_content_type() -> None:
    """A /v1 request with a body must send it as ``application/json`` (UTF-8): a form or
    text body is refused (415) before anything reads it."""
    if not request.path.startswith("/v1/"):
        return
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if not request.content_length and not chunked:
        return  # no body
    if request.mimetype != "application/json":
        sent = (request.headers.get("Content-Type") or "none")[:60]
        raise UnsupportedMediaType(f"Content-Type: expected application/json, got {sent!r}")
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"Content-Type: the charset must be utf-8, got {charset!r}")


def json_body(fields: frozenset[str] | set[str]) -> dict[str, Any]:
    """The request body as a strict I-JSON object holding only ``fields``."""
    body = read_json(request.get_data(cache=True), what="body")
    if not isinstance(body, dict):
        raise InvalidInput("body: expected a JSON object")
    only_fields(body, fields, "")
    return body


class BoundedInt(IntegerConverter):
    """``<int:…>`` path parts limited to the 64-bit range, so a huge id is a 404, not a 500."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
