"""The hasher against the published RFC 6962 answers."""

from __future__ import annotations

from clearinghouse.tlog import EMPTY_ROOT, leaf_hash, node_hash

from .vectors import known_answers


def test_empty_root_is_sha256_of_nothing():
    assert EMPTY_ROOT.hex() == known_answers()["hasher"]["empty_root"]


def test_empty_leaf_differs_from_empty_tree():
    assert leaf_hash(b"").hex() == known_answers()["hasher"]["empty_leaf"]
    assert leaf_hash(b"") != EMPTY_ROOT


def test_leaf():
    case = known_answers()["hasher"]["leaf"]
    assert leaf_hash(case["entry_ascii"].encode()).hex() == case["hash"]


def test_node():
    case = known_answers()["hasher"]["node"]
    assert (
        node_hash(case["left_ascii"].encode(), case["right_ascii"].encode()).hex() == case["hash"]
    )


def test_node_is_not_the_leaf_of_its_children():
    a, b = leaf_hash(b"Hello"), leaf_hash(b"World")
    assert node_hash(a, b) != leaf_hash(a + b)
    assert node_hash(a, b) != node_hash(b, a)


def test_the_domain_prefixes_live_in_the_hasher_alone():
    # Proof building, proof checking, the compact range and the auditor all hash nodes
    # through ``node_hash``: a second copy of the prefix could drift from the first.
    import ast
    from pathlib import Path

    import clearinghouse

    package = Path(clearinghouse.__file__).parent
    modules = [*(package / "tlog").glob("*.py"), *(package / "client" / "audit").glob("*.py")]
    offenders = []
    for path in modules:
        if path.name == "hashing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in (b"\x00", b"\x01"):
                offenders.append(f"{path.name}:{node.lineno}")
    assert modules and offenders == []
