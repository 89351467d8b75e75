"""Loading tests/vectors/tlog, and the RFC's recursive definitions that made them."""

from __future__ import annotations

import base64
import importlib.util
import json
from functools import cache
from pathlib import Path
from types import ModuleType

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "tlog"


def b64(text: str) -> bytes:
    return base64.b64decode(text)


@cache
def rfc_reference() -> ModuleType:
    """The slow twin: RFC 9162 MTH / PATH / PROOF, transcribed literally."""
    spec = importlib.util.spec_from_file_location("rfc_reference", VECTORS / "rfc_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def known_answers() -> dict:
    return json.loads((VECTORS / "known_answers.json").read_text())


@cache
def tree() -> dict:
    return json.loads((VECTORS / "tree.json").read_text())


def entries() -> list[bytes]:
    return [bytes.fromhex(e) for e in tree()["entries_hex"]]


def roots() -> list[bytes]:
    return [b64(r) for r in tree()["roots"]]


def jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (VECTORS / name).read_text().splitlines()]


def tampered(kind: str) -> list[tuple[str, dict]]:
    folder = VECTORS / "tampered" / kind
    return [(p.stem, json.loads(p.read_text())) for p in sorted(folder.glob("*.json"))]
