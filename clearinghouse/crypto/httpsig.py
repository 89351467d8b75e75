"""RFC 9421 HTTP Message Signatures with Ed25519: signing requests and the rules of DESIGN §4.1.

``verify_request`` is the whole authentication decision about one request except
replay, which needs shared state: it returns a ``replay_key`` and the time until which
the signature could still be accepted, and the caller refuses a key it has seen before.

Every failure raises ``RequestSignatureError``, an ``AuthenticationError`` with one public
message. The internal ``reason`` is for server logs and tests only: telling a client which
check failed would help it forge, and a uniform answer is what DESIGN §4.1 asks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from http_sfv import Dictionary, InnerList, Item, Token

from clearinghouse.crypto.bulk_verify import verify_signature
from clearinghouse.crypto.digest import content_digest, verify_content_digest
from clearinghouse.crypto.keys import SigningKey, VerifyKey
from clearinghouse.crypto.sigbase import Headers, HttpRequest, signature_base
from clearinghouse.crypto.sigfields import parse_signature, parse_signature_input
from clearinghouse.errors import AuthenticationError, NotFound, VerificationError

__all__ = [
    "RequestSignatureError",
    "VerifiedSignature",
    "sign_request",
    "verify_request",
]

ALGORITHM = "ed25519"
_PARAMETERS = {"alg", "created", "expires", "keyid", "nonce", "tag"}


class RequestSignatureError(AuthenticationError):
    """A request whose signature is missing, malformed, stale or false; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that passed every check; what the caller needs for replay and audit."""

    keyid: str
    label: str
    created: int
    expires: int | None
    nonce: str | None
    components: tuple[str, ...]
    replay_key: str
    """Hex digest unique to this signature; store it to refuse the same request twice."""
    valid_until: int
    """After this time the window refuses the signature anyway; a replay cache may forget it."""


def sign_request(
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    key: SigningKey,
    *,
    created: int,
    expires: int | None = None,
    components: Sequence[str] | None = None,
    label: str = "sig1",
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers to add to a request to sign it (and its body's Content-Digest).

    By default the signature covers ``@method``, ``@authority``, ``@path``, ``@query``
    when the URL has one, and ``content-digest`` when there is a body; a body is
    always covered through ``content-digest``, whatever ``components`` says.
    """
    request = HttpRequest.of(method, url, headers)
    added: dict[str, str] = {}
    if body and "content-digest" not in request.fields:
        added["Content-Digest"] = content_digest(body)
        request = HttpRequest(
            method, url, {**request.fields, "content-digest": added["Content-Digest"]}
        )
    if components is None:
        covered = ["@method", "@authority", "@path"]
        if request.has_query:
            covered.append("@query")
    else:
        covered = list(components)
    if body and "content-digest" not in covered:
        covered.append("content-digest")
    params: dict[str, int | str] = {"created": created}
    if expires is not None:
        params["expires"] = expires
    params["keyid"] = key.key_id
    params["alg"] = ALGORITHM
    if nonce is not None:
        params["nonce"] = nonce
    signature = key.sign(signature_base(request, covered, params))
    signature_input = Dictionary()
    signature_input[label] = InnerList([Item(name) for name in covered])
    signature_input[label].params.update(params)
    signature_field = Dictionary()
    signature_field[label] = signature
    added["Signature-Input"] = str(signature_input)
    added["Signature"] = str(signature_field)
    return added


def verify_request(
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    *,
    resolve_key: Callable[[str], VerifyKey | None],
    now: int,
    max_skew: int = 300,
    label: str | None = None,
) -> VerifiedSignature:
    """Check one request's signature against every rule of DESIGN §4.1 except replay.

    ``url`` is the full target URI as the client addressed it. ``resolve_key`` maps a
    keyid to its key; None, KeyError, NotFound or AuthenticationError mean unknown or
    revoked, and anything else propagates. With ``label`` None the request must carry
    exactly one signature.
    """
    request = HttpRequest.of(method, url, headers)
    label, items, inner_params, signature = _select(request, label)
    components = _components(items)
    params = _params(inner_params)
    keyid, created, expires = params["keyid"], params["created"], params.get("expires")
    if abs(now - created) > max_skew:
        raise RequestSignatureError("created is outside the allowed window")
    if expires is not None and (now > expires or expires < created):
        raise RequestSignatureError("the signature has expired")
    _check_coverage(components, request, body)
    key = _resolve(resolve_key, keyid)
    try:
        base = signature_base(request, components, params)
    except ValueError as exc:
        raise RequestSignatureError(f"no signature base: {exc}") from None
    try:
        # libsodium first (about twice as fast), OpenSSL's verdict on every refusal.
        verify_signature(key.raw, signature, base)
    except VerificationError:
        raise RequestSignatureError("the signature does not verify") from None
    # The digest is checked after the signature, so only a signer can make us hash a body.
    if "content-digest" in components:
        try:
            verify_content_digest(request.fields["content-digest"], body or b"")
        except VerificationError as exc:
            raise RequestSignatureError(exc.detail) from None
    replay = hashlib.sha256(b"rfc9421\0" + keyid.encode() + b"\0" + signature).hexdigest()
    until = created + max_skew if expires is None else min(created + max_skew, expires)
    return VerifiedSignature(
        keyid=keyid,
        label=label,
        created=created,
        expires=expires,
        nonce=params.get("nonce"),
        components=tuple(components),
        replay_key=replay,
        valid_until=until,
    )


def _parse_dictionary(request: HttpRequest, name: str) -> Dictionary:
    if name not in request.fields:
        raise RequestSignatureError(f"no {name} header")
    field = Dictionary()
    try:
        field.parse(request.fields[name].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise RequestSignatureError(f"malformed {name} header") from None
    return field


def _select(request: HttpRequest, label: str | None) -> tuple[str, list, dict, bytes]:
    """``(label, [(component, its parameters)], parameters, signature)`` of the chosen
    signature: read by ``crypto/sigfields`` in the common shape, by ``http_sfv`` otherwise."""
    fields = request.fields
    if "signature-input" in fields and "signature" in fields:
        inputs = parse_signature_input(fields["signature-input"])
        signatures = parse_signature(fields["signature"])
        if (
            inputs is not None
            and signatures is not None
            and inputs[0] == signatures[0]
            and label in (None, inputs[0])
        ):
            chosen, components, params = inputs
            if len(signatures[1]) != 64:
                raise RequestSignatureError("an Ed25519 signature is 64 bytes")
            return chosen, [(name, {}) for name in components], params, signatures[1]
    return _select_slowly(request, label)


def _select_slowly(request: HttpRequest, label: str | None) -> tuple[str, list, dict, bytes]:
    inputs = _parse_dictionary(request, "signature-input")
    signatures = _parse_dictionary(request, "signature")
    if label is None:
        if len(inputs) != 1 or len(signatures) != 1:
            raise RequestSignatureError("not exactly one signature and no label chosen")
        label = next(iter(inputs))
    if label not in inputs or label not in signatures:
        raise RequestSignatureError(f"signature label {label!r} not in both headers")
    inner, signature = inputs[label], signatures[label]
    if not isinstance(inner, InnerList):
        raise RequestSignatureError("Signature-Input member is not an inner list")
    if not (isinstance(signature, Item) and isinstance(signature.value, bytes)):
        raise RequestSignatureError("Signature member is not a byte sequence")
    if len(signature.value) != 64:
        raise RequestSignatureError("an Ed25519 signature is 64 bytes")
    items = [(item.value, dict(item.params)) for item in inner]
    return label, items, dict(inner.params), signature.value


def _components(items: list) -> list[str]:
    names = []
    for value, params in items:
        if not isinstance(value, str) or isinstance(value, Token):
            raise RequestSignatureError("a covered component is not a string")
        if params:
            raise RequestSignatureError(f"unsupported parameters on component {value}")
        if value != value.lower():
            raise RequestSignatureError(f"component {value!r} is not lowercase")
        names.append(value)
    if len(set(names)) != len(names):
        raise RequestSignatureError("a component is covered twice")
    return names


def _params(params: dict) -> dict:
    unknown = set(params) - _PARAMETERS
    if unknown:
        raise RequestSignatureError(f"unknown signature parameter {sorted(unknown)[0]}")
    for name in ("created", "expires"):
        if name in params and type(params[name]) is not int:
            raise RequestSignatureError(f"{name} is not an integer")
    for name in ("alg", "keyid", "nonce", "tag"):
        value = params.get(name, "")
        if not isinstance(value, str) or isinstance(value, Token):
            raise RequestSignatureError(f"{name} is not a string")
    if "alg" in params and params["alg"] != ALGORITHM:
        raise RequestSignatureError(f"alg {params['alg']!r} is not {ALGORITHM}")
    if not params.get("keyid"):
        raise RequestSignatureError("no keyid")
    if "created" not in params:
        raise RequestSignatureError("no created")
    return dict(params)


def _check_coverage(components: list[str], request: HttpRequest, body: bytes | None) -> None:
    covered = set(components)
    if "@method" not in covered:
        raise RequestSignatureError("@method is not covered")
    if "@target-uri" not in covered:
        if "@path" not in covered:
            raise RequestSignatureError("neither @target-uri nor @path is covered")
        if request.has_query and "@query" not in covered:
            raise RequestSignatureError("the request has a query and @query is not covered")
    if body and "content-digest" not in covered:
        raise RequestSignatureError("the request has a body and content-digest is not covered")


def _resolve(resolve_key: Callable[[str], VerifyKey | None], keyid: str) -> VerifyKey:
    try:
        key = resolve_key(keyid)
    except (KeyError, NotFound, AuthenticationError):
        key = None
    if key is None:
        raise RequestSignatureError("unknown or revoked keyid")
    return key
