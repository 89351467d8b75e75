"""The structured fields of RFC 9421 (RFC 8941 dictionaries and inner lists) in the one
shape every client sends, read and written without the general parser.

A signed request carries ``Signature-Input: sig1=("@method" "@path");created=1;keyid="k"``
and ``Signature: sig1=:base64:``. Parsing those with ``http_sfv`` and serialising the
``@signature-params`` line back cost about a quarter of a lookup. These functions handle
exactly that shape — one dictionary member, an inner list of strings, parameters whose
values are strings or integers, single spaces — and return None for anything else, so
the caller falls back to ``http_sfv``, the slow twin they are tested against
(``tests/unit/crypto/test_sigfields.py``): where a fast function answers, its answer is
the one ``http_sfv`` gives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from clearinghouse.wire import b64decode

__all__ = ["parse_signature", "parse_signature_input", "serialize_inner_list", "serialize_string"]

_KEY = r"[a-z*][a-z0-9_\-.*]*"
_STRING = r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\\"])*"'
_INTEGER = r"-?[0-9]{1,15}"
_INPUT = re.compile(
    rf"({_KEY})=\(((?:{_STRING})(?: {_STRING})*)?\)((?:;{_KEY}=(?:{_STRING}|{_INTEGER}))*)"
)
_ITEM = re.compile(_STRING)
_PARAM = re.compile(rf";({_KEY})=({_STRING}|{_INTEGER})")
_SIGNATURE = re.compile(
    rf"({_KEY})=:((?:[A-Za-z0-9+/]{{4}})*(?:[A-Za-z0-9+/]{{2}}==|[A-Za-z0-9+/]{{3}}=)?):"
)
_KEY_WHOLE = re.compile(_KEY)
_LARGEST = 999_999_999_999_999  # RFC 8941 §3.3.1: at most 15 digits


_ESCAPE = re.compile(r"\\(.)")


def _unquote(text: str) -> str:
    inner = text[1:-1]
    return _ESCAPE.sub(r"\1", inner) if "\\" in inner else inner


def parse_signature_input(value: str) -> tuple[str, list[str], dict[str, str | int]] | None:
    """``(label, components, parameters)`` of a one-member Signature-Input, or None."""
    found = _INPUT.fullmatch(value)
    if found is None:
        return None
    label, items, params = found.groups()
    components = [_unquote(item) for item in _ITEM.findall(items)] if items else []
    parameters: dict[str, str | int] = {}
    for name, raw in _PARAM.findall(params):
        parameters[name] = _unquote(raw) if raw.startswith('"') else int(raw)
    return label, components, parameters


def parse_signature(value: str) -> tuple[str, bytes] | None:
    """``(label, signature bytes)`` of a one-member Signature field, or None."""
    found = _SIGNATURE.fullmatch(value)
    if found is None:
        return None
    try:
        return found.group(1), b64decode(found.group(2))
    except ValueError:  # not reached for the pattern above; the slow path decides
        return None


def serialize_string(text: str) -> str | None:
    """An RFC 8941 string, or None when ``text`` is not printable ASCII."""
    if not (text.isascii() and text.isprintable()):
        return None
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def serialize_inner_list(items: Sequence[str], params: Mapping[str, object]) -> str | None:
    """An inner list of strings with string or integer parameters, serialised; None for
    anything else (the caller serialises it with ``http_sfv``)."""
    out = []
    for item in items:
        if type(item) is not str or (quoted := serialize_string(item)) is None:
            return None
        out.append(quoted)
    text = "(" + " ".join(out) + ")"
    for name, value in params.items():
        if type(name) is not str or not _KEY_WHOLE.fullmatch(name):
            return None
        if type(value) is int and -_LARGEST <= value <= _LARGEST:
            text += f";{name}={value}"
        elif type(value) is str and (quoted := serialize_string(value)) is not None:
            text += f";{name}={quoted}"
        else:
            return None
    return text
