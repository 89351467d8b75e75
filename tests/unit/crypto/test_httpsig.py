"""RFC 9421 request signatures: round trips, header forms, and the bad-input table (DESIGN §4.1)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import EnvironHeaders
from werkzeug.test import EnvironBuilder

from clearinghouse.crypto import (
    HttpRequest,
    RequestSignatureError,
    SigningKey,
    content_digest,
    sign_request,
    signature_base,
    verify_request,
    wsgi_target_uri,
)
from clearinghouse.crypto.sigbase import signature_params
from clearinghouse.errors import AuthenticationError, NotFound

NOW = 1_700_000_000
KEY = SigningKey.from_seed(bytes(range(32)))
OTHER = SigningKey.from_seed(bytes(range(1, 33)))
KEYS = {KEY.key_id: KEY.verify_key, OTHER.key_id: OTHER.verify_key}
URL = "https://ch.example/v1/match?signal_type=pdq&value=ab"
BODY = b'{"queries": [{"signal_type": "md5", "value": "00"}]}'


@dataclass(frozen=True)
class Req:
    method: str
    url: str
    headers: dict
    body: bytes | None


def signed(method="POST", url=URL, body=BODY, key=KEY, headers=None, **kw) -> Req:
    headers = dict(headers if headers is not None else {"Content-Type": "application/json"})
    kw.setdefault("created", NOW)
    headers.update(sign_request(method, url, headers, body, key, **kw))
    return Req(method, url, headers, body)


def forged(components, params, *, req=None, key=KEY, label="sig1", sig_label=None) -> Req:
    """A request signed over any components and parameters, bypassing sign_request's choices.

    The signature itself is genuine, so a refusal can only come from the rule under test.
    """
    req = req or Req("POST", URL, {"Content-Type": "application/json"}, BODY)
    headers = dict(req.headers)
    if req.body and "Content-Digest" not in headers:
        headers["Content-Digest"] = content_digest(req.body)
    base = signature_base(HttpRequest.of(req.method, req.url, headers), components, params)
    sig = base64.b64encode(key.sign(base)).decode()
    headers["Signature-Input"] = f"{label}={signature_params(components, params)}"
    headers["Signature"] = f"{sig_label or label}=:{sig}:"
    return replace(req, headers=headers)


def verify(req: Req, *, resolve_key=KEYS.get, now=NOW, **kw):
    return verify_request(
        req.method, req.url, req.headers, req.body, resolve_key=resolve_key, now=now, **kw
    )


FULL = ["@method", "@authority", "@path", "@query", "content-digest"]


def params(**overrides):
    p = {"created": NOW, "keyid": KEY.key_id, "alg": "ed25519"}
    p.update(overrides)
    return {k: v for k, v in p.items() if v is not None}


# --- accepted ---------------------------------------------------------------------------


def test_round_trip():
    req = signed()
    result = verify(req)
    assert result.keyid == KEY.key_id
    assert result.label == "sig1"
    assert result.created == NOW
    assert result.expires is None
    assert result.components == ("@method", "@authority", "@path", "@query", "content-digest")
    assert result.valid_until == NOW + 300
    assert "Content-Digest" in req.headers


def test_get_without_body_or_query():
    req = signed("GET", "https://ch.example/v1/signals/7", None)
    assert "Content-Digest" not in req.headers
    assert verify(req).components == ("@method", "@authority", "@path")


def test_target_uri_instead_of_path():
    req = signed(components=["@method", "@target-uri"])
    assert verify(req).components == ("@method", "@target-uri", "content-digest")


def test_all_derived_components_and_headers():
    comps = ["@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path"]
    comps += ["@query", "content-type", "date"]
    req = signed(headers={"Content-Type": "application/json", "Date": "x"}, components=comps)
    assert verify(req).components[: len(comps)] == tuple(comps)


def test_expires_nonce_and_replay_key():
    req = signed(expires=NOW + 60, nonce="n-1")
    result = verify(req)
    assert (result.expires, result.nonce, result.valid_until) == (NOW + 60, "n-1", NOW + 60)
    assert result.replay_key == verify(req).replay_key
    assert result.replay_key != verify(signed(created=NOW + 1)).replay_key
    assert len(result.replay_key) == 64


@pytest.mark.parametrize("created", [NOW - 300, NOW + 300])
def test_window_edges_are_inclusive(created):
    verify(signed(created=created))


def test_custom_skew():
    verify(signed(created=NOW - 500), max_skew=600)


def test_label_selects_among_several_signatures():
    req = two_signatures()
    assert verify(req, label="b").keyid == OTHER.key_id
    assert verify(req, label="a").keyid == KEY.key_id


def test_header_forms_list_of_pairs_and_case():
    req = signed()
    pairs = [(k.upper(), v) for k, v in req.headers.items()]
    verify(replace(req, headers=pairs))


def test_multiple_field_lines_are_combined():
    lines = [("X-Tag", " a "), ("x-tag", "b\t")]
    assert HttpRequest.of("GET", URL, lines).component("x-tag") == "a, b"
    comps = ["@method", "@path", "@query", "x-tag"]
    added = sign_request("GET", URL, lines, None, KEY, created=NOW, components=comps)
    verify(Req("GET", URL, [*lines, *added.items()], None))
    # A proxy (or WSGI) folding the lines into one field changes nothing.
    verify(Req("GET", URL, [("X-Tag", "a, b"), *added.items()], None))
    verify(Req("GET", URL, {"x-tag": ["a", "b"], **added}, None))


def test_werkzeug_environ_headers():
    req = signed(headers={"Content-Type": "application/json", "X-Member": "acme"})
    environ = {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(BODY))}
    for name, value in req.headers.items():
        if name.lower() != "content-type":
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    verify(replace(req, headers=EnvironHeaders(environ)))


@pytest.mark.parametrize("raw_uri", [True, False], ids=["raw-uri", "path-info"])
@pytest.mark.parametrize(
    "target",
    ["/v1/match?value=a%2Fb&x=%7e&y=%C3%A9", "/v1/caf%C3%A9/x?q", "/v1/signals/7", "/v1/a%20b"],
)
def test_wsgi_target_uri_as_the_client_sent_it(target, raw_uri):
    url = "http://ch.example:8080" + target
    req = signed("POST", url, BODY)
    path, _, query = target.partition("?")
    environ = EnvironBuilder(
        path=path,
        query_string=query or None,
        base_url="http://ch.example:8080",
        method="POST",
        headers=req.headers,
        data=BODY,
    ).get_environ()
    if not raw_uri:
        environ.pop("RAW_URI", None)
        environ.pop("REQUEST_URI", None)
    assert wsgi_target_uri(environ) == url
    verify_request(
        environ["REQUEST_METHOD"],
        wsgi_target_uri(environ),
        EnvironHeaders(environ),
        environ["wsgi.input"].read(),
        resolve_key=KEYS.get,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("environ", "uri"),
    [
        ({"SERVER_NAME": "h", "SERVER_PORT": "80", "PATH_INFO": "/x"}, "http://h/x"),
        ({"SERVER_NAME": "h", "SERVER_PORT": "81", "PATH_INFO": "/x"}, "http://h:81/x"),
        ({"HTTP_HOST": "h", "RAW_URI": "http://h/x?y", "PATH_INFO": "/x"}, "http://h/x?y"),
        ({"HTTP_HOST": "h", "wsgi.url_scheme": "https", "PATH_INFO": "/x"}, "https://h/x"),
    ],
)
def test_wsgi_target_uri_forms(environ, uri):
    assert wsgi_target_uri(environ) == uri


@settings(max_examples=40, deadline=None)
@given(
    path=st.lists(st.text("abc-_.~%2F0123456789", min_size=1, max_size=8), max_size=4),
    query=st.none() | st.text("abc=&-_0123456789%2F", max_size=20),
    body=st.none() | st.binary(max_size=64),
    method=st.sampled_from(["GET", "POST", "DELETE", "PUT"]),
)
def test_round_trip_any_request(path, query, body, method):
    url = "https://ch.example/" + "/".join(path) + ("" if query is None else "?" + query)
    verify(signed(method, url, body))


# --- refused: one AuthenticationError, the reason for logs and these tests --------------


def drop(req: Req, *names: str) -> Req:
    return replace(req, headers={k: v for k, v in req.headers.items() if k not in names})


def with_header(req: Req, name: str, value: str) -> Req:
    return replace(req, headers={**req.headers, name: value})


def with_input(inner: str) -> Req:
    """A signed request whose Signature-Input member ``sig1`` is replaced by ``inner``."""
    return with_header(signed(), "Signature-Input", f"sig1={inner}")


def with_digest(value: str) -> Req:
    """A request genuinely signed over a Content-Digest field of ``value``."""
    return forged(FULL, params(), req=Req("POST", URL, {"Content-Digest": value}, BODY))


def two_signatures() -> Req:
    one, two = signed(label="a"), signed(key=OTHER, label="b")
    headers = {**one.headers}
    headers["Signature-Input"] += ", " + two.headers["Signature-Input"]
    headers["Signature"] += ", " + two.headers["Signature"]
    return replace(one, headers=headers)


def resolver_raising(exc: Exception):
    def resolve(keyid):
        raise exc

    return resolve


K = f'created={NOW};keyid="{KEY.key_id}"'
CASES = {
    # no signature, wrong or unknown key
    "no-signature": (lambda: drop(signed(), "Signature", "Signature-Input"), "no signature-input"),
    "no-signature-field": (lambda: drop(signed(), "Signature"), "no signature header"),
    "no-signature-input": (lambda: drop(signed(), "Signature-Input"), "no signature-input"),
    "unknown-keyid": (lambda: forged(FULL, params(keyid="nobody")), "unknown"),
    "wrong-key": (lambda: forged(FULL, params(), key=OTHER), "does not verify"),
    # modified after signing
    "modified-body": (lambda: replace(signed(), body=BODY + b" "), "does not match"),
    "modified-body-and-digest": (
        lambda: with_header(replace(signed(), body=b"{}"), "Content-Digest", content_digest(b"{}")),
        "does not verify",
    ),
    "modified-path": (lambda: replace(signed(), url=URL.replace("match", "matcH")), "not verify"),
    "modified-query": (lambda: replace(signed(), url=URL.replace("=ab", "=ac")), "not verify"),
    "added-query": (lambda: replace(signed(), url=URL + "&x=1"), "does not verify"),
    "modified-method": (lambda: replace(signed(), method="PUT"), "does not verify"),
    "modified-authority": (lambda: replace(signed(), url=URL.replace("ch.", "xh.")), "not verify"),
    "modified-header": (
        lambda: with_header(signed(components=[*FULL, "content-type"]), "Content-Type", "text/x"),
        "does not verify",
    ),
    "covered-header-removed": (
        lambda: drop(signed(components=[*FULL, "content-type"]), "Content-Type"),
        "no signature base",
    ),
    # created and expires
    "created-missing": (lambda: forged(FULL, params(created=None)), "no created"),
    "created-past": (lambda: signed(created=NOW - 301), "outside"),
    "created-future": (lambda: signed(created=NOW + 301), "outside"),
    "created-string": (lambda: forged(FULL, params(created=str(NOW))), "integer"),
    "created-decimal": (lambda: with_input('("@method");created=1.5;keyid="k"'), "integer"),
    "expires-past": (lambda: signed(expires=NOW - 1), "expired"),
    "expires-before-created": (lambda: signed(created=NOW, expires=NOW - 10), "expired"),
    # parameters
    "alg-rsa": (lambda: forged(FULL, params(alg="rsa-pss-sha512")), "alg"),
    "alg-hmac": (lambda: forged(FULL, params(alg="hmac-sha256")), "alg"),
    "alg-token": (lambda: with_input(f'("@method");{K};alg=ed25519'), "alg"),
    "keyid-missing": (lambda: forged(FULL, params(keyid=None)), "keyid"),
    "keyid-empty": (lambda: forged(FULL, params(keyid="")), "keyid"),
    "keyid-token": (lambda: with_input(f'("@method");created={NOW};keyid=k'), "keyid"),
    "unknown-parameter": (lambda: forged(FULL, params(foo="bar")), "unknown signature param"),
    # covered components
    "no-method": (lambda: forged(["@path", "@query", "content-digest"], params()), "@method"),
    "no-path-or-target-uri": (
        lambda: forged(["@method", "@query", "content-digest"], params()),
        "@path",
    ),
    "request-target-is-not-path": (
        lambda: forged(["@method", "@request-target", "content-digest"], params()),
        "@path",
    ),
    "no-query": (lambda: forged(["@method", "@path", "content-digest"], params()), "@query"),
    "body-without-content-digest": (
        lambda: forged(["@method", "@path", "@query"], params()),
        "content-digest is not covered",
    ),
    "component-not-string": (lambda: with_input(f"(method);{K}"), "not a string"),
    "component-with-params": (lambda: with_input(f'("content-digest";sf);{K}'), "parameters"),
    "component-uppercase": (lambda: with_input(f'("@method" "Host");{K}'), "lowercase"),
    "component-twice": (lambda: with_input(f'("@method" "@method");{K}'), "twice"),
    "component-unsupported": (
        lambda: with_input(f'("@method" "@path" "@query" "content-digest" "@status");{K}'),
        "no signature base",
    ),
    "component-signature-params": (
        lambda: with_input(
            f'("@method" "@path" "@query" "content-digest" "@signature-params");{K}'
        ),
        "no signature base",
    ),
    # Content-Digest
    "content-digest-missing": (lambda: drop(signed(), "Content-Digest"), "no signature base"),
    "content-digest-wrong": (lambda: with_digest(content_digest(b"x")), "does not match"),
    "content-digest-sha512-wrong": (
        lambda: with_digest(content_digest(b"x", "sha-512")),
        "does not match",
    ),
    "content-digest-unknown-alg": (
        lambda: with_digest("md5=:AAAAAAAAAAAAAAAAAAAAAA==:"),
        "no supported algorithm",
    ),
    "content-digest-malformed": (lambda: with_digest("sha-256=abc"), "Content-Digest"),
    # malformed headers and labels
    "malformed-signature-input": (lambda: with_input('("@method" "@path"'), "malformed"),
    "signature-input-garbage": (
        lambda: with_header(signed(), "Signature-Input", "§§§"),
        "malformed",
    ),
    "signature-input-not-inner-list": (lambda: with_input('"@method"'), "inner list"),
    "malformed-signature": (lambda: with_header(signed(), "Signature", "sig1=:abc"), "malformed"),
    "signature-not-bytes": (lambda: with_header(signed(), "Signature", 'sig1="x"'), "byte seq"),
    "signature-short": (lambda: with_header(signed(), "Signature", "sig1=:AAAA:"), "64 bytes"),
    "label-mismatch": (lambda: forged(FULL, params(), sig_label="sig2"), "label"),
    "two-signatures-no-label": (two_signatures, "not exactly one"),
}


@pytest.mark.parametrize(("make", "reason"), list(CASES.values()), ids=list(CASES))
def test_refused(make, reason):
    with pytest.raises(AuthenticationError) as info:
        verify(make())
    assert isinstance(info.value, RequestSignatureError)
    assert reason in info.value.reason
    # One public message whatever failed: the reason stays on the server.
    assert str(info.value) == str(AuthenticationError())
    assert info.value.status == 401


def test_label_not_present_is_refused():
    with pytest.raises(AuthenticationError) as info:
        verify(signed(), label="other")
    assert "label" in info.value.reason


@pytest.mark.parametrize(
    "resolver",
    [
        {}.get,
        resolver_raising(KeyError("k")),
        resolver_raising(NotFound("no key")),
        resolver_raising(AuthenticationError("revoked")),
    ],
    ids=["none", "keyerror", "notfound", "revoked"],
)
def test_unknown_or_revoked_key_is_refused(resolver):
    with pytest.raises(RequestSignatureError) as info:
        verify(signed(), resolve_key=resolver)
    assert "unknown" in info.value.reason


def test_resolver_outage_is_not_an_authentication_failure():
    with pytest.raises(RuntimeError):
        verify(signed(), resolve_key=resolver_raising(RuntimeError("database down")))


def test_sign_request_covers_body_even_when_components_omit_it():
    req = signed(components=["@method", "@path", "@query"])
    assert verify(req).components[-1] == "content-digest"


def test_sign_request_keeps_an_existing_content_digest():
    digest = content_digest(BODY, "sha-512")
    req = signed(headers={"Content-Digest": digest})
    assert "Content-Digest" not in sign_request("POST", URL, req.headers, BODY, KEY, created=NOW)
    verify(req)
