"""The site's in-browser verifier (verify.js) run under node against the same vectors
as the Python tlog, and against checkpoints signed by the Python tlog."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from clearinghouse.crypto import SigningKey
from clearinghouse.tlog.checkpoint import Checkpoint, sign_checkpoint
from clearinghouse.tlog.memory import MemoryNodeStore
from clearinghouse.tlog.note import NoteVerifier

ROOT = Path(__file__).resolve().parents[3]
VERIFY_JS = ROOT / "clearinghouse/site/static/verify.js"
VECTORS = ROOT / "tests/vectors/tlog"
RUNNER = Path(__file__).with_name("verify_vectors.js")


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs); the browser test runs it")
    return node


def _key_with_plus() -> SigningKey:
    """A key whose vkey has "+" inside its base64 part, as about half of all keys do."""
    while True:
        key = SigningKey.generate()
        vkey = NoteVerifier.for_key("example.test/log", key.verify_key).vkey
        if "+" in vkey.split("+", 2)[2]:
            return key


def _cases() -> tuple[dict, dict]:
    known = json.loads((VECTORS / "known_answers.json").read_text())["note"]
    key, other = _key_with_plus(), SigningKey.generate()
    store = MemoryNodeStore()
    store.append_entries([b"entry %d" % i for i in range(11)])
    head = Checkpoint("example.test/log", 11, store.root())
    note = sign_checkpoint(head, key)
    vkey = NoteVerifier.for_key("example.test/log", key.verify_key).vkey
    other_vkey = NoteVerifier.for_key("example.test/log", other.verify_key).vkey
    flipped = note.replace("\n11\n", "\n12\n")
    notes = [
        {"name": "go-peter", "note": known["signed_by_peter"], "vkey": known["peter_vkey"]},
        {"name": "go-enoch", "note": known["signed_by_peter"], "vkey": known["enoch_vkey"]},
        {"name": "ours", "note": note, "vkey": vkey, "checkpoint": True},
        {"name": "ours-other-key", "note": note, "vkey": other_vkey, "checkpoint": True},
        {"name": "ours-size-changed", "note": flipped, "vkey": vkey, "checkpoint": True},
        {"name": "bad-vkey", "note": note, "vkey": known["bad_vkeys"][1], "checkpoint": True},
    ]
    expected = {
        "go-peter": {"text": known["text"]},
        "ours": {"size": 11, "root": base64.b64encode(store.root()).decode(),
                 "origin": "example.test/log"},
    }  # fmt: skip
    return {"notes": notes}, expected


def test_verify_js_agrees_with_the_python_tlog():
    cases, expected = _cases()
    done = subprocess.run(
        [_node(), str(RUNNER), str(VERIFY_JS), str(VECTORS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["failures"] == []
    inclusion = len((VECTORS / "inclusion.jsonl").read_text().splitlines())
    consistency = sum(
        1
        for line in (VECTORS / "consistency.jsonl").read_text().splitlines()
        if json.loads(line)["first"] > 0
    )
    assert (out["inclusion"], out["consistency"]) == (inclusion, consistency)
    assert len(out["tampered"]) >= 40
    for name, want, got in out["tampered"]:
        assert got == ("ok" if want == "ok" else "fail"), name
    notes = dict(out["notes"])
    for name, answer in expected.items():
        assert notes[name] == answer, name
    for name in ("go-enoch", "ours-other-key", "ours-size-changed", "bad-vkey"):
        assert "error" in notes[name], name
