"""C2SP tlog-checkpoint bodies: one encoding, strictly parsed, signed as notes."""

from __future__ import annotations

import base64

import pytest

from clearinghouse.crypto.keys import SigningKey
from clearinghouse.errors import VerificationError
from clearinghouse.tlog import (
    EMPTY_ROOT,
    Checkpoint,
    NoteVerifier,
    open_checkpoint,
    open_note,
    sign_checkpoint,
)

from .vectors import known_answers

ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()


def test_the_c2sp_example_parses():
    case = known_answers()["checkpoint"]
    checkpoint = Checkpoint.parse(case["body"])
    assert checkpoint.origin == case["origin"]
    assert checkpoint.size == case["size"]
    assert base64.b64encode(checkpoint.root_hash).decode() == case["root_base64"]
    assert checkpoint.to_body() == case["body"]


def test_body_format():
    body = Checkpoint("example.org/log", 42, ROOT).to_body()
    assert body == f"example.org/log\n42\n{ROOT_B64}\n"
    assert (
        Checkpoint("o", 0, EMPTY_ROOT, ("ext one", "ext two"))
        .to_body()
        .endswith("\next one\next two\n")
    )


def test_round_trip_with_extensions():
    checkpoint = Checkpoint("example.org/log", 7, ROOT, ("a", "b c"))
    assert Checkpoint.parse(checkpoint.to_body()) == checkpoint


@pytest.mark.parametrize(
    "body",
    [
        f"o\n42\n{ROOT_B64}",  # no final newline
        "o\n42\n",
        f"\n42\n{ROOT_B64}\n",  # empty origin
        f"o\n042\n{ROOT_B64}\n",  # leading zero
        f"o\n+42\n{ROOT_B64}\n",
        f"o\n-1\n{ROOT_B64}\n",
        f"o\n 42\n{ROOT_B64}\n",
        f"o\n4 2\n{ROOT_B64}\n",
        f"o\n９\n{ROOT_B64}\n",  # a non-ASCII digit
        f"o\n{2**63}\n{ROOT_B64}\n",
        f"o\n\n{ROOT_B64}\n",
        "o\n42\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "o\n42\n" + ROOT_B64.rstrip("=") + "\n",  # unpadded
        "o\n42\n" + base64.urlsafe_b64encode(b"\xff" * 32).decode() + "\n",
        f"o\n42\n{ROOT_B64}\n\n",  # empty extension line
        f"o\r\n42\n{ROOT_B64}\n",
        f"o\n42\r\n{ROOT_B64}\n",
    ],
)
def test_strict_parsing(body):
    with pytest.raises(VerificationError):
        Checkpoint.parse(body)


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [("", 1, ROOT), ("a\nb", 1, ROOT), ("o", -1, ROOT), ("o", 2**63, ROOT), ("o", 1, b"x")],
)
def test_constructor_refuses_bad_fields(origin, size, root):
    with pytest.raises(ValueError):
        Checkpoint(origin, size, root)


def test_sign_and_open():
    key = SigningKey.generate()
    verifier = NoteVerifier.for_key("example.org/log", key.verify_key)
    checkpoint = Checkpoint("example.org/log", 10, ROOT)
    note = sign_checkpoint(checkpoint, key)
    assert note.startswith(checkpoint.to_body() + "\n— example.org/log ")
    assert open_note(note, [verifier]) == checkpoint.to_body()
    assert open_checkpoint(note, [verifier], origin="example.org/log") == checkpoint


def test_another_logs_checkpoint_is_refused():
    key = SigningKey.generate()
    verifier = NoteVerifier.for_key("example.org/other", key.verify_key)
    note = sign_checkpoint(Checkpoint("example.org/other", 1, ROOT), key)
    with pytest.raises(VerificationError, match="expected"):
        open_checkpoint(note, [verifier], origin="example.org/log")


def test_a_checkpoint_signed_by_another_key_is_refused():
    ours, theirs = SigningKey.generate(), SigningKey.generate()
    verifier = NoteVerifier.for_key("example.org/log", ours.verify_key)
    note = sign_checkpoint(Checkpoint("example.org/log", 1, ROOT), theirs)
    with pytest.raises(VerificationError):
        open_checkpoint(note, [verifier])


def test_a_changed_size_breaks_the_signature():
    key = SigningKey.generate()
    verifier = NoteVerifier.for_key("example.org/log", key.verify_key)
    note = sign_checkpoint(Checkpoint("example.org/log", 10, ROOT), key)
    with pytest.raises(VerificationError):
        open_checkpoint(note.replace("\n10\n", "\n11\n"), [verifier])
