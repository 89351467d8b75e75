"""The strict JSON reader against its slow, obviously-correct twin.

``read_json`` takes a shorter road for plain documents (printable ASCII, no backslash).
The twin below reads every document the long way — a character-by-character nesting
count that tracks strings and escapes, every decoded string checked — and both must give
the same value or refuse with the same words, for documents with and without escapes,
control characters, surrogates, deep nesting, duplicate names and broken bytes.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearinghouse import ijson
from clearinghouse.errors import InvalidInput
from clearinghouse.ijson import MAX_DEPTH, read_json


def _twin_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refused_char(value: str) -> str | None:
    for char in value:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return f"a lone surrogate (U+{code:04X})"
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            return f"a control character (U+{code:04X})"
    return None


def _twin(data: bytes, what: str = "body", max_depth: int = MAX_DEPTH):
    def invalid(reason: str) -> InvalidInput:
        return InvalidInput(f"{what}: {reason}")

    if data.startswith(b"\xef\xbb\xbf"):
        raise invalid("a byte-order mark is not allowed; send plain UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid(f"not UTF-8 (byte {exc.start})") from None
    depth = _twin_depth(text)
    if depth > max_depth:
        raise invalid(f"nested {depth} levels deep; at most {max_depth}")

    def pairs(items):
        out = {}
        for name, value in items:
            if name in out:
                raise InvalidInput(f"duplicate name {json.dumps(name[:40])} in an object")
            out[name] = value
        return out

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_int=ijson._integer,
            parse_float=ijson._float,
            parse_constant=ijson._constant,
        )
    except InvalidInput as exc:
        raise invalid(exc.detail) from None
    except (ValueError, RecursionError) as exc:
        raise invalid(f"not valid JSON: {str(exc).splitlines()[0][:120]}") from None
    strings, stack = [], [value]
    while stack:  # the same order as the reader's walk, so the same string is named
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    for string in strings:
        bad = _refused_char(string)
        if bad:
            raise invalid(f"a string holds {bad}")
    return value


def _outcome(read, data: bytes):
    try:
        return ("value", read(data))
    except InvalidInput as exc:
        return ("refused", exc.detail)


# Text that exercises both roads: escapes, control characters (C0, DEL, C1), surrogates,
# quotes and brackets inside strings, non-ASCII letters.
_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list('ab"\\[]{}/\t\n\r\x00\x01\x08\x0c\x1f\x7f\x80\x85\x9fé€😀')),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.characters(),
    ),
    max_size=12,
)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=20,
)
_pieces = st.sampled_from(
    [b"\\", b'"', b"[", b"{", b"]", b"}", b"\x00", b"\x7f", b"\xc2\x85", b"\xed\xa0\x80",
     b"\\u0001", b"\\ud800", b"\\b", b"\\f", b"\\n", b'\\"', b"\xff", b"\xef\xbb\xbf", b",",
     b'"a":1,"a":2', b"1e400", b"NaN", b"9007199254740993", b"[[[[[[[", b"]]]]]]]"]
)  # fmt: skip


def _encode(value, ensure_ascii: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")


@settings(max_examples=400, deadline=None)
@given(_json, st.booleans())
def test_documents_read_alike(value, ensure_ascii):
    data = _encode(value, ensure_ascii)
    assert _outcome(read_json, data) == _outcome(_twin, data)


@settings(max_examples=600, deadline=None)
@given(_json, st.booleans(), st.lists(st.tuples(st.integers(0, 10_000), _pieces), max_size=4))
def test_damaged_documents_refused_alike(value, ensure_ascii, insertions):
    data = _encode(value, ensure_ascii)
    for at, piece in insertions:
        at %= len(data) + 1
        data = data[:at] + piece + data[at:]
    assert _outcome(read_json, data) == _outcome(_twin, data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"items": [{"value": "ab"}]}',  # plain: the short road
        b'{"a": "\\u0001"}',  # an escaped control character
        b'{"a": "\\b"}',  # backspace, escaped the short way
        b'{"a": "\\ud800"}',  # an escaped lone surrogate
        b'{"a": "x\x7f"}',  # DEL as it is
        b'{"a": "\xc2\x85"}',  # a C1 control as UTF-8
        b'{"a": "\\"[[[[[[[[[["}',  # brackets in a string after an escaped quote
        b'"[[[[[[[[',  # an unterminated string holding brackets
        b'"[[[[[[[null\\',  # the same, ending in a lone backslash
        b"[[[[[[[1]]]]]]]",  # too deep
        b'{"a": 1, "b": 2, "a": 3}',  # a duplicate name
        b'{"a": 1, "a": 1}',
    ],
)
def test_known_cases_read_alike(data):
    assert _outcome(read_json, data) == _outcome(_twin, data)


def test_both_roads_are_taken():
    """The cases above reach both roads (so the comparison covers the short one)."""
    plain = b'{"a": ["b", 1]}'
    assert not plain.translate(None, ijson._PLAIN_BYTES)
    assert b'{"a": "\\u0001"}'.translate(None, ijson._PLAIN_BYTES) == b"\\"
