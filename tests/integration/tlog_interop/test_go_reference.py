"""Our checkpoints, signatures and proofs, checked by the Go reference implementations.

interop.go runs golang.org/x/mod/sumdb/note (C2SP signed notes) and sumdb/tlog (RFC 6962
trees and proofs) — code that shares nothing with ours — on what we produce.
"""

from __future__ import annotations

import base64
import os
import random

import pytest

from clearinghouse.crypto.keys import SigningKey
from clearinghouse.tlog import (
    Checkpoint,
    MemoryNodeStore,
    NoteVerifier,
    leaf_hash,
    open_note,
    sign_checkpoint,
    sign_note,
)

NAME = "clearinghouse.example/log"
SIZE = 300


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def flip(proof: list[bytes], i: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ 8]) + out[i][1:]
    return out


@pytest.fixture(scope="module")
def log():
    rng = random.Random(9162)
    entries = [
        f'{{"n":{i},"type":"submission","pad":"{"x" * rng.randrange(40)}"}}'.encode()
        for i in range(SIZE)
    ]
    store = MemoryNodeStore()
    store.append_entries(entries)
    seed = os.urandom(32)
    return entries, store, seed, SigningKey.from_seed(seed)


@pytest.fixture(scope="module")
def exchange(go_interop, log):
    """One round trip: what we send to the Go reference, and what it answers."""
    entries, store, seed, key = log
    rng = random.Random(6962)
    verifier = NoteVerifier.for_key(NAME, key.verify_key)
    note = sign_checkpoint(Checkpoint(NAME, SIZE, store.root()), key)

    inclusion, inclusion_want = [], []
    pairs = [(0, 1), (0, SIZE), (SIZE - 1, SIZE), (255, 256), (256, 257), (6, 13)]
    pairs += [(rng.randrange(n), n) for n in (rng.randrange(1, SIZE + 1) for _ in range(150))]
    for index, size in pairs:
        proof = store.inclusion_proof(index, size)
        case = dict(index=index, size=size, leaf=leaf_hash(entries[index]), root=store.root(size))
        inclusion.append({**case, "proof": proof})
        inclusion_want.append(True)
        if proof:  # the same proof with one bit flipped must fail there too
            inclusion.append({**case, "proof": flip(proof, len(proof) // 2)})
            inclusion_want.append(False)

    consistency, consistency_want = [], []
    pairs = [(1, 1), (1, SIZE), (SIZE, SIZE), (128, 256), (6, 13), (255, 257)]
    for _ in range(150):
        second = rng.randrange(1, SIZE + 1)
        pairs.append((rng.randrange(1, second + 1), second))
    for first, second in pairs:
        proof = store.consistency_proof(first, second)
        r1, r2 = store.root(first), store.root(second)
        case = dict(first=first, second=second)
        consistency.append({**case, "first_root": r1, "second_root": r2, "proof": proof})
        consistency_want.append(True)
        if proof:
            consistency.append({**case, "first_root": r1, "second_root": r2, "proof": proof[:-1]})
            consistency_want.append(False)
        if first != second:
            consistency.append({**case, "first_root": r2, "second_root": r1, "proof": proof})
            consistency_want.append(False)

    key_hash = verifier.key_hash
    skey = f"PRIVATE+KEY+{NAME}+{key_hash:08x}+{b64(bytes([1]) + seed)}"
    sign_text = "a note with\n\nan empty line and ünïcödé\n"
    request = {
        "vkey": verifier.vkey,
        "checkpoint_note": note,
        "entries": [b64(e) for e in entries],
        "inclusion": [
            {
                "index": c["index"],
                "size": c["size"],
                "leaf_hash": b64(c["leaf"]),
                "root": b64(c["root"]),
                "proof": [b64(h) for h in c["proof"]],
            }
            for c in inclusion
        ],
        "consistency": [
            {
                "first": c["first"],
                "second": c["second"],
                "first_root": b64(c["first_root"]),
                "second_root": b64(c["second_root"]),
                "proof": [b64(h) for h in c["proof"]],
            }
            for c in consistency
        ],
        "skey": skey,
        "sign_text": sign_text,
    }
    answer = go_interop(request)
    return {
        "request": request,
        "answer": answer,
        "inclusion_want": inclusion_want,
        "consistency_want": consistency_want,
        "verifier": verifier,
        "key": key,
        "sign_text": sign_text,
    }


def test_go_parses_our_verifier_key(exchange):
    answer, verifier = exchange["answer"], exchange["verifier"]
    assert answer["verifier_key_error"] == ""
    assert answer["verifier_name"] == NAME
    assert answer["verifier_key_hash"] == f"{verifier.key_hash:08x}"


def test_go_opens_our_signed_checkpoint(exchange, log):
    _, store, _, _ = log
    answer = exchange["answer"]
    assert answer["note_error"] == ""
    assert answer["note_text"] == Checkpoint(NAME, SIZE, store.root()).to_body()
    assert answer["checkpoint_error"] == ""
    assert (answer["origin"], answer["size"]) == (NAME, SIZE)
    assert answer["root"] == b64(store.root())


def test_go_computes_the_same_root_at_every_size(exchange, log):
    _, store, _, _ = log
    assert exchange["answer"]["roots"] == [b64(store.root(n)) for n in range(1, SIZE + 1)]


def test_go_accepts_our_inclusion_proofs_and_rejects_tampered_ones(exchange):
    results = exchange["answer"]["inclusion"]
    assert len(results) == len(exchange["inclusion_want"])
    for case, error, want in zip(
        exchange["request"]["inclusion"], results, exchange["inclusion_want"], strict=True
    ):
        assert (error == "") == want, (case["index"], case["size"], error)


def test_go_accepts_our_consistency_proofs_and_rejects_tampered_ones(exchange):
    results = exchange["answer"]["consistency"]
    for case, error, want in zip(
        exchange["request"]["consistency"], results, exchange["consistency_want"], strict=True
    ):
        assert (error == "") == want, (case["first"], case["second"], error)


def test_go_builds_the_same_proofs_as_we_do(exchange):
    request, answer = exchange["request"], exchange["answer"]
    inclusion = (request["inclusion"], answer["go_record_proofs"], exchange["inclusion_want"])
    for case, go_proof, untampered in zip(*inclusion, strict=True):
        if untampered:
            assert (go_proof or []) == case["proof"], (case["index"], case["size"])
    consistency = (request["consistency"], answer["go_tree_proofs"], exchange["consistency_want"])
    for case, go_proof, untampered in zip(*consistency, strict=True):
        if untampered:
            assert (go_proof or []) == case["proof"], (case["first"], case["second"])


def test_go_signs_the_same_note_and_we_open_it(exchange):
    answer = exchange["answer"]
    assert answer["sign_error"] == ""
    ours = sign_note(exchange["sign_text"], NAME, exchange["key"])
    assert answer["signed"] == ours  # Ed25519 is deterministic: byte-for-byte equal
    assert open_note(answer["signed"], [exchange["verifier"]]) == exchange["sign_text"]


def test_go_refuses_our_checkpoint_signed_by_another_key(go_interop, log):
    _, store, _, key = log
    verifier = NoteVerifier.for_key(NAME, key.verify_key)
    impostor = SigningKey.generate()
    note = sign_checkpoint(Checkpoint(NAME, SIZE, store.root()), impostor)
    answer = go_interop({"vkey": verifier.vkey, "checkpoint_note": note, "entries": []})
    assert answer["note_error"] != ""
    altered = sign_checkpoint(Checkpoint(NAME, SIZE, store.root()), key).replace(
        f"\n{SIZE}\n", f"\n{SIZE + 1}\n"
    )
    answer = go_interop({"vkey": verifier.vkey, "checkpoint_note": altered, "entries": []})
    assert answer["note_error"] != ""
