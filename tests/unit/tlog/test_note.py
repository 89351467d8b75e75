"""C2SP signed notes against the Go reference implementation's published vectors."""

from __future__ import annotations

import base64

import pytest

from clearinghouse.crypto.keys import SigningKey
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog import NoteVerifier, note_key_hash, open_note, sign_note

from .vectors import known_answers


def go() -> dict:
    return known_answers()["note"]


def peter_signing_key() -> SigningKey:
    # A Go signer key is PRIVATE+KEY+<name>+<hash>+base64(0x01 || Ed25519 seed).
    encoded = go()["peter_skey"].split("+", 4)[4]  # base64 may hold "+" too
    raw = base64.b64decode(encoded)
    assert raw[0] == 1
    return SigningKey.from_seed(raw[1:])


def peter() -> NoteVerifier:
    return NoteVerifier.from_vkey(go()["peter_vkey"])


def enoch() -> NoteVerifier:
    return NoteVerifier.from_vkey(go()["enoch_vkey"])


def test_vkey_round_trips():
    assert peter().name == "PeterNeumann"
    assert peter().key_hash == 0xC74F20A3
    assert peter().vkey == go()["peter_vkey"]
    assert enoch().vkey == go()["enoch_vkey"]


def test_vkey_from_the_signing_key_matches_the_published_one():
    verifier = NoteVerifier.for_key("PeterNeumann", peter_signing_key().verify_key)
    assert verifier.vkey == go()["peter_vkey"]
    assert note_key_hash("PeterNeumann", verifier.verify_key.raw) == 0xC74F20A3


def test_signing_reproduces_the_published_note():
    assert sign_note(go()["text"], "PeterNeumann", peter_signing_key()) == go()["signed_by_peter"]


def test_open_with_one_known_and_one_unknown_signer():
    note = go()["text"] + "\n" + go()["peter_sig_line"] + go()["enoch_sig_line"]
    assert open_note(note, [peter()]) == go()["text"]
    assert open_note(note, [enoch()]) == go()["text"]
    assert open_note(note, [peter(), enoch()]) == go()["text"]
    assert open_note(note.encode(), [peter()]) == go()["text"]


def test_no_known_signer_fails():
    note = go()["text"] + "\n" + go()["peter_sig_line"] + go()["enoch_sig_line"]
    with pytest.raises(VerificationError):
        open_note(note, [])


def test_a_known_key_with_a_bad_signature_fails():
    line = go()["peter_sig_line"]
    note = go()["text"] + "\n" + line[:60] + "ABCD" + line[60:]
    with pytest.raises(VerificationError, match="invalid signature"):
        open_note(note, [peter()])


def test_same_name_other_key_is_ignored():
    other = NoteVerifier.for_key("PeterNeumann", SigningKey.generate().verify_key)
    note = go()["signed_by_peter"]
    with pytest.raises(VerificationError, match="no signature by a known key"):
        open_note(note, [other])
    assert open_note(note, [other, peter()]) == go()["text"]


def test_text_altered_after_signing_fails():
    note = go()["signed_by_peter"].replace("answer", "answre")
    with pytest.raises(VerificationError):
        open_note(note, [peter()])


def test_many_signatures_are_refused():
    note = go()["text"] + "\n" + go()["peter_sig_line"] * 101
    with pytest.raises(VerificationError, match="malformed"):
        open_note(note, [peter()])


def malformed_notes() -> list[str]:
    """The malformed messages of the Go reference's TestOpen."""
    text, sig = go()["text"], go()["peter_sig_line"]
    bad_name = "— Bad Name " + sig.split(" ")[2]
    return [
        text,
        text + "\n",
        text + "\n" + sig[:-1],
        "\x01" + text + "\n" + sig,
        text + "\n" + bad_name,
        text + "\n" + sig + "Unexpected line.\n",
        text + "\n" + "- PeterNeumann " + sig.split(" ")[2],  # a hyphen is no em dash
        text + "\n" + "— PeterNeumann\n",
        text + "\n" + "— PeterNeumann AAAA\n",  # too short to hold key hash and signature
    ]


@pytest.mark.parametrize("note", malformed_notes())
def test_malformed_notes(note):
    with pytest.raises(VerificationError):
        open_note(note, [peter()])


def test_invalid_utf8_is_malformed():
    with pytest.raises(VerificationError):
        open_note(b"\xff" + go()["signed_by_peter"].encode(), [peter()])
    with pytest.raises(VerificationError):
        open_note("\ud800" + go()["signed_by_peter"], [peter()])


def test_every_mangled_vkey_is_refused():
    """As the Go reference's TestNewVerifier: every proper substring and every byte bumped."""
    vkey = go()["peter_vkey"]
    mangled = {vkey[i:j] for i in range(len(vkey) + 1) for j in range(i + 1, len(vkey) + 1)}
    mangled |= {vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :] for i in range(len(vkey))}
    mangled |= set(go()["bad_vkeys"])
    mangled.discard(vkey)
    for candidate in mangled:
        with pytest.raises(InvalidInput):
            NoteVerifier.from_vkey(candidate)


def test_ambiguous_verifiers_are_refused():
    twin = NoteVerifier("PeterNeumann", 0xC74F20A3, SigningKey.generate().verify_key)
    with pytest.raises(InvalidInput, match="ambiguous"):
        open_note(go()["signed_by_peter"], [peter(), twin])


@pytest.mark.parametrize(
    ("text", "name"),
    [("no newline", "log"), ("ok\n", ""), ("ok\n", "a b"), ("ok\n", "a+b"), ("\x01\n", "log")],
)
def test_sign_refuses_bad_arguments(text, name):
    with pytest.raises(ValueError):
        sign_note(text, name, peter_signing_key())


def test_a_text_with_blank_lines_round_trips():
    key = SigningKey.generate()
    text = "line one\n\nline three\n"
    verifier = NoteVerifier.for_key("example.org/log", key.verify_key)
    assert open_note(sign_note(text, "example.org/log", key), [verifier]) == text
