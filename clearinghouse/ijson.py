"""The one strict JSON reader (I-JSON, RFC 7493) for request bodies and statement payloads.

Whatever a member sends may end up in the permanent log, so every JSON document the
service takes in goes through ``read_json``, which refuses, as ``InvalidInput``:

- bytes that are not UTF-8 (a byte-order mark included);
- nesting deeper than ``max_depth`` — counted on the raw text *before* parsing, so a deep
  document costs a scan, never a recursion;
- duplicate member names in an object;
- numbers longer than ``MAX_NUMBER_CHARS``, integers outside ±(2^53 − 1), NaN/Infinity;
- strings (names included) holding a lone surrogate or a control character other than
  tab, line feed and carriage return (C0, DEL and C1).

Statements carry up to 10,000 items, so the usual document — printable ASCII with no
backslash — takes a shorter road to the same answer: with no escape in it, every string
holds exactly the characters of the text between its quotes, so one scan of the bytes
replaces the walk over every string, and splitting at the quotes replaces the string
pattern. Anything else takes the general road. Both roads refuse the same documents with
the same words (a test runs them side by side).

Unknown fields are a matter of each format: ``only_fields`` refuses them, naming the
field, and every parser of a body or payload calls it at every level.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

from clearinghouse.errors import InvalidInput

__all__ = ["MAX_DEPTH", "MAX_NUMBER_CHARS", "MAX_SAFE_INTEGER", "only_fields", "read_json"]

# The deepest format the service takes: {"queries": [{"value": [{frame}]}]} is 4 levels.
MAX_DEPTH = 6
MAX_SAFE_INTEGER = 2**53 - 1
# Long enough for any float a member writes (a timestamp, a quality), too short for abuse.
MAX_NUMBER_CHARS = 40

# An unterminated string runs to the end, so the scan stays linear on any input.
# A string, or an unterminated one to the end (even one ending in a lone backslash).
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Bytes a plain document is made of: printable ASCII but the backslash, and TAB, LF, CR.
_PLAIN_BYTES = bytes(set(range(0x20, 0x7F)) - {ord("\\")}) + b"\t\n\r"
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


def read_json(data: bytes | str, *, what: str = "body", max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``data`` as strict I-JSON; any breach is InvalidInput naming ``what``."""
    plain = False
    if isinstance(data, bytes | bytearray):
        plain = not bytes(data).translate(None, _PLAIN_BYTES)
        if data.startswith(b"\xef\xbb\xbf"):
            raise _invalid(what, "a byte-order mark is not allowed; send plain UTF-8")
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _invalid(what, f"not UTF-8 (byte {exc.start})") from None
    else:
        text = data
    depth = _depth(text, plain=plain)
    if depth > max_depth:
        raise _invalid(what, f"nested {depth} levels deep; at most {max_depth}")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_integer,
            parse_float=_float,
            parse_constant=_constant,
        )
    except InvalidInput as exc:
        raise _invalid(what, exc.detail) from None
    except (ValueError, RecursionError) as exc:
        raise _invalid(what, f"not valid JSON: {_short(exc)}") from None
    if not plain:  # a plain document's strings hold no refused character: see above
        _check_strings(value, what)
    return value


def only_fields(obj: dict, allowed: Iterable[str], where: str) -> None:
    """Refuse any name in ``obj`` outside ``allowed``; ``where`` names the object."""
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        name = f"{where}.{unknown[0]}" if where else unknown[0]
        raise InvalidInput(
            f"{name}: unknown field", errors=[{"field": name, "reason": "unknown field"}]
        )


def _depth(text: str, *, plain: bool = False) -> int:
    """Deepest bracket nesting of ``text``, with strings taken out first (in a plain
    document no quote is escaped, so the strings are every other piece between quotes;
    an unterminated one runs to the end either way)."""
    outside = "".join(text.split('"')[::2]) if plain else _STRINGS.sub("", text)
    brackets = _NOT_BRACKETS.sub("", outside)
    return max(accumulate(map(_NESTING.__getitem__, brackets), initial=0))


def _object(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) < len(pairs):  # a name twice: say which came again first
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise InvalidInput(f"duplicate name {_quote(name)} in an object")
            seen.add(name)
    return obj


def _integer(token: str) -> int:
    if len(token) > MAX_NUMBER_CHARS:
        raise InvalidInput(f"a number of {len(token)} characters; at most {MAX_NUMBER_CHARS}")
    value = int(token)
    if abs(value) > MAX_SAFE_INTEGER:
        raise InvalidInput(f"integer {token} is outside ±(2^53 − 1)")
    return value


def _float(token: str) -> float:
    if len(token) > MAX_NUMBER_CHARS:
        raise InvalidInput(f"a number of {len(token)} characters; at most {MAX_NUMBER_CHARS}")
    value = float(token)
    if value in (float("inf"), float("-inf")):
        raise InvalidInput(f"number {token} is out of range")
    return value


def _constant(token: str) -> Any:
    raise InvalidInput(f"{token} is not JSON")


def _check_strings(value: Any, what: str) -> None:
    """Every string and name: no lone surrogate, no control character but TAB, LF, CR."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            bad = _BAD_CHARS.search(item)
            if bad:
                kind = "a lone surrogate" if bad.group() >= "\ud800" else "a control character"
                raise _invalid(what, f"a string holds {kind} (U+{ord(bad.group()):04X})")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _quote(name: str) -> str:
    return json.dumps(name[:40])


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120]


def _invalid(what: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{what}: {reason}", errors=[{"field": what, "reason": reason}])
