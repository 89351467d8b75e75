"""Regenerate the tree vectors of this folder from the RFC's recursive definitions.

    .venv/bin/python tests/vectors/tlog/generate.py [--out DIR]

Writes tree.json (64 entries and the root at every size), inclusion.jsonl (the audit
path of every leaf in every tree up to 64 entries), consistency.jsonl (every pair of
sizes up to 64) and tampered/ (one file per way of corrupting a good proof, named after
the corruption). Only rfc_reference.py is used, never the code under test, so the files
are an independent answer. known_answers.json is transcribed by hand, not generated.
"""

from __future__ import annotations

import argparse
import base64
import json
from hashlib import sha256
from pathlib import Path

from rfc_reference import mth, path, proof

MAX_SIZE = 64
# The first eight entries are the test tree of the Go RFC 6962 implementations.
GO_TEST_ENTRIES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
GO_TEST_ENTRIES.append("606162636465666768696a6b6c6d6e6f")
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
WRONG = sha256(b"WrongRoot").digest()

INCLUSION_CASE = (6, 13)  # leaf 6 of 13: a right-edge (ephemeral) sibling on the path
CONSISTENCY_CASE = (6, 13)  # 6 is no power of two: the proof starts with a stored node


def entries() -> list[bytes]:
    extra = [f"entry {i}".encode() for i in range(len(GO_TEST_ENTRIES), MAX_SIZE)]
    return [bytes.fromhex(h) for h in GO_TEST_ENTRIES] + extra


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def leaf(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry).digest()


def dumps(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def flipped(hashes: list[bytes], i: int, mask: int) -> list[bytes]:
    out = list(hashes)
    out[i] = bytes([out[i][0] ^ mask]) + out[i][1:]
    return out


def inclusion_tampering(data: list[bytes]) -> dict[str, dict]:
    index, size = INCLUSION_CASE
    good = path(index, data[:size])
    root, lh = mth(data[:size]), leaf(data[index])
    cases = {
        "happy-path": (index, size, lh, root, good),
        "wrong-index-minus-1": (index - 1, size, lh, root, good),
        "wrong-index-plus-1": (index + 1, size, lh, root, good),
        "wrong-index-xor-2": (index ^ 2, size, lh, root, good),
        "wrong-index-past-size": (size, size, lh, root, good),
        "wrong-size-doubled": (index, size * 2, lh, root, good),
        "wrong-size-halved": (index, size // 2, lh, root, good),
        "wrong-leaf": (index, size, leaf(b"WrongLeaf"), root, good),
        "empty-root": (index, size, lh, sha256(b"").digest(), good),
        "random-root": (index, size, lh, SOME_HASH, good),
        "extended-proof": (index, size, lh, root, [*good, root]),
        "extended-proof-garbage": (index, size, lh, root, [*good, b""]),
        "preceding-garbage": (index, size, lh, root, [b"", *good]),
        "preceding-root": (index, size, lh, root, [root, *good]),
        "truncated-proof": (index, size, lh, root, good[:-1]),
        "inserted-component": (index, size, lh, root, [good[0], SOME_HASH, *good[1:]]),
        "empty-proof": (index, size, lh, root, []),
    }
    for i in range(len(good)):
        cases[f"modified-proof[{i}]-bit-@3"] = (index, size, lh, root, flipped(good, i, 8))
    out = {}
    for name, (i, n, lh_, r, p) in cases.items():
        want = "ok" if name == "happy-path" else "verification-error"
        if not 0 <= i < n:
            want = "invalid-input"
        out[name] = {
            "desc": name,
            "index": i,
            "size": n,
            "leaf_hash": b64(lh_),
            "root": b64(r),
            "proof": [b64(h) for h in p],
            "want": want,
        }
    return out


def consistency_tampering(data: list[bytes]) -> dict[str, dict]:
    first, second = CONSISTENCY_CASE
    good = proof(first, data[:second])
    r1, r2 = mth(data[:first]), mth(data[:second])
    cases = {
        "happy-path": (first, second, r1, r2, good),
        "wrong-first-minus-1": (first - 1, second, r1, r2, good),
        "wrong-first-plus-1": (first + 1, second, r1, r2, good),
        "wrong-first-xor-2": (first ^ 2, second, r1, r2, good),
        "wrong-first-past-second": (second + 1, second, r1, r2, good),
        "wrong-second-doubled": (first, second * 2, r1, r2, good),
        "wrong-second-halved": (first, second // 2, r1, r2, good),
        "wrong-first-root": (first, second, WRONG, r2, good),
        "wrong-second-root": (first, second, r1, WRONG, good),
        "swapped-roots": (first, second, r2, r1, good),
        "empty-proof": (first, second, r1, r2, []),
        "extended-proof": (first, second, r1, r2, [*good, r2]),
        "extended-proof-first-root": (first, second, r1, r2, [*good, r1]),
        "extended-proof-garbage": (first, second, r1, r2, [*good, b""]),
        "preceding-garbage": (first, second, r1, r2, [b"", *good]),
        "preceding-first-root": (first, second, r1, r2, [r1, *good]),
        "preceding-second-root": (first, second, r1, r2, [r2, *good]),
        "preceding-proof[0]": (first, second, r1, r2, [good[0], *good]),
        "truncated-proof": (first, second, r1, r2, good[:-1]),
    }
    for i in range(len(good)):
        cases[f"modified-proof[{i}]-bit-@4"] = (first, second, r1, r2, flipped(good, i, 16))
    out = {}
    for name, (m, n, a, b, p) in cases.items():
        want = "ok" if name == "happy-path" else "verification-error"
        if not 0 <= m <= n:
            want = "invalid-input"
        out[name] = {
            "desc": name,
            "first": m,
            "second": n,
            "first_root": b64(a),
            "second_root": b64(b),
            "proof": [b64(h) for h in p],
            "want": want,
        }
    return out


def generate(out: Path) -> None:
    data = entries()
    tree = {
        "entries_hex": [e.hex() for e in data],
        "roots": [b64(mth(data[:n])) for n in range(MAX_SIZE + 1)],
    }
    (out / "tree.json").write_text(json.dumps(tree, indent=1, sort_keys=True) + "\n")
    with (out / "inclusion.jsonl").open("w") as f:
        for n in range(1, MAX_SIZE + 1):
            for i in range(n):
                p = [b64(h) for h in path(i, data[:n])]
                f.write(dumps({"index": i, "size": n, "proof": p}) + "\n")
    with (out / "consistency.jsonl").open("w") as f:
        for n in range(MAX_SIZE + 1):
            for m in range(n + 1):
                p = [b64(h) for h in proof(m, data[:n])]
                f.write(dumps({"first": m, "second": n, "proof": p}) + "\n")
    for kind, cases in (
        ("inclusion", inclusion_tampering(data)),
        ("consistency", consistency_tampering(data)),
    ):
        folder = out / "tampered" / kind
        folder.mkdir(parents=True, exist_ok=True)
        for name, case in cases.items():
            (folder / f"{name}.json").write_text(json.dumps(case, indent=1, sort_keys=True) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    generate(args.out)


if __name__ == "__main__":
    main()
