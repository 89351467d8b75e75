"""Query-string parameters, refused with a clear 400 when malformed."""

from __future__ import annotations

from flask import request

from clearinghouse.errors import InvalidInput

__all__ = ["int_arg"]


def int_arg(name: str, *, required: bool = True) -> int | None:
    """The integer query parameter ``name``; missing (when required) or malformed is 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise InvalidInput(f"{name}: required")
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{name}: expected an integer, got {raw!r}") from None
