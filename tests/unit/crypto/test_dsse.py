"""DSSE envelopes: parsing, signing, verifying and the idempotency digest."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearinghouse.crypto import Envelope, SigningKey, pae, sign_envelope, verify_envelope
from clearinghouse.crypto.dsse import MAX_SIGNATURES
from clearinghouse.errors import InvalidInput, NotFound, VerificationError

TYPE = "application/vnd.clearinghouse.submission+json"
PAYLOAD = b'{"member":"acme","created":"2024-01-01T00:00:00Z","items":[]}'
ALICE = SigningKey.from_seed(bytes(range(32)))
BOB = SigningKey.from_seed(bytes(range(1, 33)))
KEYS = {k.key_id: k.verify_key for k in (ALICE, BOB)}


def naive_pae(payload_type: str, payload: bytes) -> bytes:
    """The PAE written out as the spec's sentence, the obviously-correct twin."""
    t = payload_type.encode()
    return (
        b"DSSEv1 "
        + str(len(t)).encode()
        + b" "
        + t
        + b" "
        + str(len(payload)).encode()
        + b" "
        + payload
    )


@settings(max_examples=100, deadline=None)
@given(st.text(), st.binary())
def test_pae_matches_naive_twin(payload_type, payload):
    assert pae(payload_type, payload) == naive_pae(payload_type, payload)


def test_sign_then_verify():
    env = sign_envelope(TYPE, PAYLOAD, ALICE)
    assert env.signatures[0][0] == ALICE.key_id
    keyid, key = verify_envelope(env, KEYS.get)
    assert (keyid, key) == (ALICE.key_id, ALICE.verify_key)


def test_json_round_trip():
    env = sign_envelope(TYPE, PAYLOAD, ALICE)
    again = Envelope.from_json(env.to_json())
    assert again == env
    assert Envelope.from_dict(json.loads(json.dumps(env.to_dict()))) == env
    assert env.to_dict()["payload"] == base64.b64encode(PAYLOAD).decode()


@settings(max_examples=50, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1), st.binary())
def test_round_trip_any_payload(payload_type, payload):
    env = sign_envelope(payload_type, payload, BOB)
    assert Envelope.from_json(env.to_json()) == env


def test_url_safe_and_unpadded_base64_accepted():
    payload = b"\xfb\xff\xfe"  # standard base64 "+//+", URL-safe "-__-"
    env = sign_envelope(TYPE, payload, ALICE)
    d = env.to_dict()
    d["payload"] = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    d["signatures"][0]["sig"] = base64.urlsafe_b64encode(env.signatures[0][1]).decode().rstrip("=")
    parsed = Envelope.from_dict(d)
    assert parsed == env
    assert parsed.digest() == env.digest()


def test_verify_wrong_key_is_refused():
    env = sign_envelope(TYPE, PAYLOAD, ALICE)
    forged = Envelope(TYPE, PAYLOAD, ((BOB.key_id, env.signatures[0][1]),))
    with pytest.raises(VerificationError):
        verify_envelope(forged, KEYS.get)


@pytest.mark.parametrize(
    "resolver",
    [
        {}.get,
        lambda keyid: {}[keyid],
        lambda keyid: (_ for _ in ()).throw(NotFound("no such key")),
    ],
    ids=["returns-none", "raises-keyerror", "raises-notfound"],
)
def test_verify_unknown_key_is_refused(resolver):
    with pytest.raises(VerificationError):
        verify_envelope(sign_envelope(TYPE, PAYLOAD, ALICE), resolver)


def test_resolver_outage_propagates():
    def down(keyid):
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        verify_envelope(sign_envelope(TYPE, PAYLOAD, ALICE), down)


@pytest.mark.parametrize(
    "change",
    [
        lambda e: Envelope(e.payload_type, e.payload + b" ", e.signatures),
        lambda e: Envelope(e.payload_type + "x", e.payload, e.signatures),
        lambda e: Envelope(e.payload_type, e.payload, ((e.signatures[0][0], bytes(64)),)),
    ],
    ids=["payload", "payload-type", "signature"],
)
def test_modified_envelope_is_refused(change):
    with pytest.raises(VerificationError):
        verify_envelope(change(sign_envelope(TYPE, PAYLOAD, ALICE)), KEYS.get)


def test_first_verifying_signature_wins():
    alice_sig = sign_envelope(TYPE, PAYLOAD, ALICE).signatures[0]
    bob_sig = sign_envelope(TYPE, PAYLOAD, BOB).signatures[0]
    env = Envelope(TYPE, PAYLOAD, (("unknown", bytes(64)), bob_sig, alice_sig))
    assert verify_envelope(env, KEYS.get)[0] == BOB.key_id


def test_digest_ignores_encoding_and_signature_order():
    a = sign_envelope(TYPE, PAYLOAD, ALICE).signatures[0]
    b = sign_envelope(TYPE, PAYLOAD, BOB).signatures[0]
    assert Envelope(TYPE, PAYLOAD, (a, b)).digest() == Envelope(TYPE, PAYLOAD, (b, a)).digest()
    one = sign_envelope(TYPE, PAYLOAD, ALICE)
    spaced = dict(reversed(list(one.to_dict().items())))
    two = Envelope.from_json(json.dumps(spaced, indent=2))
    assert one.digest() == two.digest()
    assert len(one.digest()) == 64


@pytest.mark.parametrize(
    "body",
    [
        b'{"payloadType":"t","payloadType":"t","payload":"","signatures":[]}',
        '{"payloadType":"t","payload":"","signatures":[]}'.encode("utf-16"),
        b'{"payloadType":"t\\u0000","payload":"","signatures":[]}',
        b'{"payloadType":"\\ud800","payload":"","signatures":[]}',
        b"[" * 50_000,
    ],
    ids=["duplicate-name", "utf-16", "nul", "lone-surrogate", "deep"],
)
def test_envelope_json_is_read_strictly(body):
    with pytest.raises(InvalidInput) as caught:
        Envelope.from_json(body)
    assert caught.value.errors[0]["field"] == "envelope"


@pytest.mark.parametrize(
    "other",
    [
        Envelope(TYPE, PAYLOAD + b"x", ()),
        Envelope(TYPE + "x", PAYLOAD, ()),
        Envelope(TYPE, PAYLOAD, (("k", b"s"),)),
        # Length prefixes keep the boundary between keyid and signature unambiguous.
        Envelope(TYPE, PAYLOAD, (("k1", b"s"),)),
    ],
)
def test_digest_differs_when_anything_signed_differs(other):
    base = Envelope(TYPE, PAYLOAD, (("k", b"1s"),))
    assert base.digest() != other.digest()


def good() -> dict:
    return sign_envelope(TYPE, PAYLOAD, ALICE).to_dict()


def with_(path, value):
    d = good()
    target = d
    *parents, last = path
    for p in parents:
        target = target[p]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return d


DELETE = object()

BAD = [
    ("not-object", ["a list"], "envelope"),
    ("payloadType-missing", with_(["payloadType"], DELETE), "payloadType"),
    ("payloadType-number", with_(["payloadType"], 7), "payloadType"),
    ("payloadType-empty", with_(["payloadType"], ""), "payloadType"),
    ("payload-missing", with_(["payload"], DELETE), "payload"),
    ("payload-not-string", with_(["payload"], None), "payload"),
    ("payload-bad-base64", with_(["payload"], "a$b="), "payload"),
    ("payload-bad-length", with_(["payload"], "abcde"), "payload"),
    ("payload-mixed-alphabets", with_(["payload"], "+-AA"), "payload"),
    ("payload-non-canonical", with_(["payload"], "QR=="), "payload"),
    ("payload-inner-padding", with_(["payload"], "QQ==QQ=="), "payload"),
    ("signatures-missing", with_(["signatures"], DELETE), "signatures"),
    ("signatures-not-list", with_(["signatures"], {}), "signatures"),
    ("signatures-empty", with_(["signatures"], []), "signatures"),
    (
        "signatures-too-many",
        with_(["signatures"], good()["signatures"] * (MAX_SIGNATURES + 1)),
        "signatures",
    ),
    ("signature-not-object", with_(["signatures", 0], "sig"), "signatures[0]"),
    ("keyid-missing", with_(["signatures", 0, "keyid"], DELETE), "signatures[0].keyid"),
    ("keyid-number", with_(["signatures", 0, "keyid"], 1), "signatures[0].keyid"),
    ("sig-missing", with_(["signatures", 0, "sig"], DELETE), "signatures[0].sig"),
    ("sig-bad-base64", with_(["signatures", 0, "sig"], "!!!!"), "signatures[0].sig"),
    ("unknown-field", with_(["extra"], 1), "extra"),
    ("unknown-signature-field", with_(["signatures", 0, "cert"], "x"), "signatures[0].cert"),
]


@pytest.mark.parametrize(("obj", "field"), [(o, f) for _, o, f in BAD], ids=[n for n, _, _ in BAD])
def test_bad_envelope_is_invalid_input_naming_the_field(obj, field):
    with pytest.raises(InvalidInput) as info:
        Envelope.from_dict(obj)
    assert info.value.errors[0]["field"] == field
    assert field in str(info.value)


@pytest.mark.parametrize("text", ["", "{", "[1,", b"\xff\xfe", "null"])
def test_bad_json_is_invalid_input(text):
    with pytest.raises(InvalidInput):
        Envelope.from_json(text)
