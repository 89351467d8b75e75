"""``crypto/sigfields`` against its slow twin, ``http_sfv``: on thousands of generated
Signature-Input and Signature values — canonical, escaped, odd and malformed — the fast
reader answers only where ``http_sfv`` reads the same thing, and the fast writer gives
``http_sfv``'s exact text; then ``verify_request`` decides the same with and without them."""

from __future__ import annotations

import base64
import random
import secrets
import time

import pytest
from http_sfv import Dictionary, InnerList, Item, Token

from clearinghouse.crypto import SigningKey, httpsig, sigbase, sigfields, sign_request
from clearinghouse.crypto.httpsig import RequestSignatureError, verify_request

STRINGS = ["@method", "@path", "@query", "@authority", "content-digest", "a b", 'q"uote',
           "back\\slash", "", "é", "tab\there", "@Path"]  # fmt: skip
LABELS = ["sig1", "a", "*x", "s-1.2_3", "Sig", "1a"]
PARAM_VALUES = ['"k1"', '"e\\"s"', "1700000000", "0012", "-5", "1234567890123456", "1.5",
                "?1", "tok", '""', '"\\\\"', ":AAAA:"]  # fmt: skip
PARAM_NAMES = ["created", "keyid", "alg", "nonce", "expires", "tag", "Bad", "x-y"]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _random_input(rng: random.Random) -> str:
    items = []
    for _ in range(rng.randint(0, 5)):
        text = rng.choice(STRINGS)
        kind = rng.random()
        item = _quote(text) if kind < 0.8 else (text if kind < 0.9 else f'"{text}"')
        if rng.random() < 0.05:
            item += ";req"
        items.append(item)
    sep = "  " if rng.random() < 0.05 else " "
    value = f"{rng.choice(LABELS)}=({sep.join(items)})"
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(PARAM_NAMES)
        value += f";{name}" if rng.random() < 0.05 else f";{name}={rng.choice(PARAM_VALUES)}"
    if rng.random() < 0.05:
        value += ", sig2=()"
    if rng.random() < 0.05:
        value = rng.choice([" ", ""]) + value + rng.choice([" ", "  "])
    return value


def _slow_input(value: str):
    field = Dictionary()
    try:
        field.parse(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return field


def _typed(params) -> dict:
    return {k: (type(v), v) for k, v in params.items()}


def test_the_fast_reader_of_signature_input_agrees_with_http_sfv():
    rng = random.Random(9421)
    answered = 0
    for _ in range(5000):
        value = _random_input(rng)
        fast = sigfields.parse_signature_input(value)
        if fast is None:
            continue
        answered += 1
        slow = _slow_input(value)
        assert slow is not None and len(slow) == 1, value
        label, inner = next(iter(slow.items()))
        assert isinstance(inner, InnerList), value
        assert all(type(item.value) is str and not item.params for item in inner), value
        assert fast == (label, [i.value for i in inner], dict(inner.params)), value
        assert _typed(fast[2]) == _typed(inner.params), value
    assert answered > 300  # the common shapes do take the fast path


def test_the_fast_reader_of_signature_agrees_with_http_sfv():
    rng = random.Random(8941)
    answered = 0
    for _ in range(3000):
        raw = base64.b64encode(secrets.token_bytes(rng.choice([0, 1, 2, 3, 32, 63, 64]))).decode()
        mangle = rng.random()
        if mangle < 0.1:
            raw = raw.rstrip("=")
        elif mangle < 0.15:
            raw = raw[:-1] + "*"
        elif mangle < 0.2:
            raw = raw.replace("A", "-")
        value = f"{rng.choice(LABELS)}=:{raw}:" + (", b=:AA==:" if rng.random() < 0.05 else "")
        fast = sigfields.parse_signature(value)
        if fast is None:
            continue
        answered += 1
        slow = _slow_input(value)
        assert slow is not None and len(slow) == 1, value
        label, item = next(iter(slow.items()))
        assert isinstance(item, Item) and not item.params, value
        assert fast == (label, item.value), value
    assert answered > 1000


def test_the_fast_writer_gives_http_sfvs_text():
    rng = random.Random(3)
    pool = [*STRINGS, "\x7f", "ü", "x" * 40]
    values = ["k", 'a"b', "c\\d", 1700000000, -3, 10**15, 10**15 - 1, True, 1.5, Token("t"), "\n"]
    answered = 0
    for _ in range(3000):
        items = [rng.choice(pool) for _ in range(rng.randint(0, 5))]
        params = {rng.choice(PARAM_NAMES[:6]): rng.choice(values) for _ in range(rng.randint(0, 4))}
        fast = sigfields.serialize_inner_list(items, params)
        if fast is None:
            continue
        answered += 1
        inner = InnerList([Item(name) for name in items])
        inner.params.update(params)
        assert fast == str(inner), (items, params)
    assert answered > 500


def _requests():
    """Signed requests, and the same with one part changed, for the twin check."""
    key, other = SigningKey.generate(), SigningKey.generate()
    now = int(time.time())
    url = "http://127.0.0.1:8080/v1/match?signal_type=pdq&value=ab"
    for nonce in ("n1", 'q"uoted', None):
        headers = sign_request("GET", url, {}, None, key, created=now, nonce=nonce)
        yield key, url, headers
        yield key, url + "x", headers  # another query
        yield other, url, headers  # another key
        yield key, url, {**headers, "Signature-Input": headers["Signature-Input"] + ";tag=1"}
        yield key, url, {**headers, "Signature-Input": " " + headers["Signature-Input"]}
        yield key, url, {**headers, "Signature": headers["Signature"].replace("=:", "=:A", 1)}
        doubled = headers["Signature-Input"].replace('" "', '"  "')
        yield key, url, {**headers, "Signature-Input": doubled}
    body = b'{"queries": []}'
    headers = sign_request("POST", url, {}, body, key, created=now, expires=now + 60)
    yield key, url, headers


def _decide(key, url, headers):
    method = "POST" if "Content-Digest" in headers else "GET"
    body = b'{"queries": []}' if method == "POST" else None
    try:
        return verify_request(method, url, headers, body, resolve_key=lambda _: key.verify_key,
                              now=int(time.time()))  # fmt: skip
    except RequestSignatureError as exc:
        return exc.reason


def test_verify_request_decides_the_same_without_the_fast_paths(monkeypatch):
    cases = list(_requests())
    fast = [_decide(*case) for case in cases]
    monkeypatch.setattr(httpsig, "parse_signature_input", lambda _: None)
    monkeypatch.setattr(sigbase, "serialize_inner_list", lambda *_: None)
    monkeypatch.setattr(sigbase, "serialize_string", lambda _: None)
    slow = [_decide(*case) for case in cases]
    assert fast == slow
    assert sum(not isinstance(d, str) for d in fast) >= 4  # some verified, some refused
    assert sum(isinstance(d, str) for d in fast) >= 4


@pytest.mark.parametrize("value", ['sig1=("@method");created=1', 'sig1=();keyid="k"'])
def test_canonical_inputs_take_the_fast_path(value):
    assert sigfields.parse_signature_input(value) is not None
