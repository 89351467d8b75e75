"""What a request carries, read strictly: query parameters, path integers, JSON bodies.

Every malformed part is a clear 400 naming it, never a 500: integers are plain decimal
within a database's 64-bit range, no parameter holds a control character, and a JSON
body goes through the one I-JSON reader (``clearinghouse.ijson``).
"""

from __future__ import annotations

import re
from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter

from clearinghouse.errors import InvalidInput
from clearinghouse.ijson import only_fields, read_json

__all__ = ["MAX_ID", "BoundedInt", "check_query", "int_arg", "json_body"]

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


def check_query() -> None:
    """Refuse control characters in any query parameter name or value (NUL included)."""
    for name, value in request.args.items(multi=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            raise InvalidInput(f"query parameter {name[:40]!r}: holds a control character")


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
