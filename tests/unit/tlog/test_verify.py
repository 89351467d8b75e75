"""Proof verification: every good proof passes, every tampered one fails."""

from __future__ import annotations

import pytest

from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog import (
    EMPTY_ROOT,
    RootMismatch,
    leaf_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

from .vectors import b64, entries, jsonl, known_answers, roots, tampered

WANT = {"ok": None, "verification-error": VerificationError, "invalid-input": InvalidInput}


def test_every_inclusion_proof_up_to_64_verifies():
    data, rs = entries(), roots()
    for v in jsonl("inclusion.jsonl"):
        proof = [b64(h) for h in v["proof"]]
        verify_inclusion(leaf_hash(data[v["index"]]), v["index"], v["size"], proof, rs[v["size"]])


def test_every_consistency_proof_up_to_64_verifies():
    rs = roots()
    for v in jsonl("consistency.jsonl"):
        proof = [b64(h) for h in v["proof"]]
        verify_consistency(v["first"], v["second"], rs[v["first"]], rs[v["second"]], proof)


def test_published_proofs_verify():
    case = known_answers()["test_tree"]
    data = [bytes.fromhex(e) for e in case["entries_hex"]]
    rs = {int(n): bytes.fromhex(h) for n, h in case["roots_by_size"].items()}
    for p in case["inclusion"]:
        proof = [bytes.fromhex(h) for h in p["proof"]]
        verify_inclusion(leaf_hash(data[p["index"]]), p["index"], p["size"], proof, rs[p["size"]])
    for p in case["consistency"]:
        proof = [bytes.fromhex(h) for h in p["proof"]]
        verify_consistency(p["first"], p["second"], rs[p["first"]], rs[p["second"]], proof)


@pytest.mark.parametrize(("name", "case"), tampered("inclusion"), ids=lambda x: x)
def test_tampered_inclusion(name, case):
    args = (
        b64(case["leaf_hash"]),
        case["index"],
        case["size"],
        [b64(h) for h in case["proof"]],
        b64(case["root"]),
    )
    error = WANT[case["want"]]
    if error is None:
        verify_inclusion(*args)
    else:
        with pytest.raises(error):
            verify_inclusion(*args)


@pytest.mark.parametrize(("name", "case"), tampered("consistency"), ids=lambda x: x)
def test_tampered_consistency(name, case):
    args = (
        case["first"],
        case["second"],
        b64(case["first_root"]),
        b64(case["second_root"]),
        [b64(h) for h in case["proof"]],
    )
    error = WANT[case["want"]]
    if error is None:
        verify_consistency(*args)
    else:
        with pytest.raises(error):
            verify_consistency(*args)


def test_tampered_cases_cover_the_named_corruptions():
    names = {name for name, _ in tampered("inclusion")} | {n for n, _ in tampered("consistency")}
    for needed in ("modified-proof[0]-bit-@3", "truncated-proof", "extended-proof"):
        assert needed in names
    for needed in ("swapped-roots", "wrong-index-plus-1", "modified-proof[0]-bit-@4"):
        assert needed in names


def test_root_mismatch_carries_both_roots():
    data, rs = entries(), roots()
    proof = [b64(h) for h in jsonl("inclusion.jsonl")[10]["proof"]]
    v = jsonl("inclusion.jsonl")[10]
    wrong = bytes(32)
    with pytest.raises(RootMismatch) as info:
        verify_inclusion(leaf_hash(data[v["index"]]), v["index"], v["size"], proof, wrong)
    assert info.value.expected == wrong
    assert info.value.computed == rs[v["size"]]
    assert wrong.hex() in str(info.value) and rs[v["size"]].hex() in str(info.value)


def test_root_from_inclusion_proof_of_a_single_leaf_is_the_leaf():
    assert root_from_inclusion_proof(leaf_hash(b"data"), 0, 1, []) == leaf_hash(b"data")


@pytest.mark.parametrize(
    ("first", "second", "first_root", "second_root", "proof", "error"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], None),
        (0, 5, EMPTY_ROOT, bytes(32), [], None),
        (3, 3, bytes(32), bytes(32), [], None),
        (3, 3, bytes(32), b"\1" * 32, [], RootMismatch),
        (0, 5, bytes(32), bytes(32), [], RootMismatch),  # an empty tree has one root
        (3, 3, bytes(32), bytes(32), [EMPTY_ROOT], VerificationError),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], VerificationError),
        (1, 2, bytes(32), bytes(32), [], VerificationError),
        (2, 1, bytes(32), bytes(32), [], InvalidInput),
        (-1, 1, bytes(32), bytes(32), [], InvalidInput),
        (1, 2, b"short", bytes(32), [bytes(32)], InvalidInput),
    ],
)
def test_consistency_edge_cases(first, second, first_root, second_root, proof, error):
    if error is None:
        verify_consistency(first, second, first_root, second_root, proof)
    else:
        with pytest.raises(error):
            verify_consistency(first, second, first_root, second_root, proof)


@pytest.mark.parametrize(
    ("index", "size", "leaf", "root", "error"),
    [
        (0, 0, bytes(32), bytes(32), InvalidInput),
        (1, 1, bytes(32), bytes(32), InvalidInput),
        (-1, 4, bytes(32), bytes(32), InvalidInput),
        (0, 1, b"", bytes(32), InvalidInput),
        (0, 1, bytes(32), b"", InvalidInput),
        (0, 1, bytes(32), b"\1" * 32, RootMismatch),
    ],
)
def test_inclusion_preconditions(index, size, leaf, root, error):
    with pytest.raises(error):
        verify_inclusion(leaf, index, size, [], root)


def test_a_proof_element_of_the_wrong_length_does_not_verify():
    with pytest.raises(VerificationError):
        verify_inclusion(bytes(32), 0, 2, [b"\0" * 31], bytes(32))
