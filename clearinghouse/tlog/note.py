"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519, and verifier keys.

A signed note is a text ending in a newline, a blank line, then one line per signature:
``— <key name> <base64(key hash || signature)>`` with an em dash (U+2014). The key hash
is the first 4 bytes of SHA-256(name || "\\n" || 0x01 || public key), big-endian. A
verifier key ("vkey") is published as ``<name>+<hex key hash>+<base64(0x01 || key)>``.
The rules follow the Go reference implementation (golang.org/x/mod/sumdb/note), so notes
made here open there and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256

from clearinghouse.crypto.keys import SigningKey, VerifyKey
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.wire import b64decode, b64encode

__all__ = [
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "NoteVerifier",
    "is_valid_key_name",
    "log_identity",
    "note_key_hash",
    "open_note",
    "sign_note",
]

ALG_ED25519 = 0x01
MAX_SIGNATURES = 100  # as the reference: bounds the work an oversized note can cause
_SIG_PREFIX = "— "
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
# ASCII control characters other than newline are forbidden anywhere in a note.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


def is_valid_key_name(name: str) -> bool:
    """A key name is non-empty and has neither spaces nor "+"."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def note_key_hash(name: str, public_key: bytes) -> int:
    """The 32-bit key hash of an Ed25519 key: SHA-256(name || "\\n" || 0x01 || key)[:4]."""
    digest = sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class NoteVerifier:
    """A named Ed25519 key that may sign notes, as published in a vkey."""

    name: str
    key_hash: int
    verify_key: VerifyKey

    @classmethod
    def for_key(cls, name: str, verify_key: VerifyKey) -> NoteVerifier:
        """The verifier for ``verify_key`` under ``name``."""
        if not is_valid_key_name(name):
            raise InvalidInput(f"invalid note key name {name!r}: empty, or has a space or '+'")
        return cls(name, note_key_hash(name, verify_key.raw), verify_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex key hash>+<base64(0x01 || key)>``; anything else is InvalidInput."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3 or not is_valid_key_name(parts[0]) or not _HEX8.fullmatch(parts[1]):
            raise InvalidInput("malformed verifier key: want <name>+<8 hex digits>+<base64 key>")
        name, hash_hex, key_b64 = parts
        key = _b64decode(key_b64)
        if key is None or len(key) != 33 or key[0] != ALG_ED25519:
            raise InvalidInput("verifier key is not an Ed25519 key (0x01 || 32 bytes)")
        verifier = cls.for_key(name, VerifyKey(key[1:]))
        if verifier.key_hash != int(hash_hex, 16):
            raise InvalidInput("verifier key hash does not match its name and key")
        return verifier

    @property
    def vkey(self) -> str:
        """The published form: ``<name>+<hex key hash>+<base64(0x01 || key)>``."""
        key = b64encode(bytes([ALG_ED25519]) + self.verify_key.raw)
        return f"{self.name}+{self.key_hash:08x}+{key}"


def sign_note(text: str, name: str, signing_key: SigningKey) -> str:
    """The signed note: ``text``, a blank line and one signature line by ``name``."""
    if not text.endswith("\n"):
        raise ValueError("note text must end with a newline")
    if _CONTROL.search(text):
        raise ValueError("note text must not contain control characters other than newline")
    if not is_valid_key_name(name):
        raise ValueError(f"invalid note key name {name!r}: empty, or has a space or '+'")
    key_hash = note_key_hash(name, signing_key.verify_key.raw)
    signature = signing_key.sign(text.encode())
    encoded = b64encode(key_hash.to_bytes(4, "big") + signature)
    return f"{text}\n{_SIG_PREFIX}{name} {encoded}\n"


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> str:
    """The note's text, once a signature by one of ``verifiers`` checks out.

    Signatures by unknown keys are ignored; a known key's bad signature, a malformed
    note, or no signature by any known key is VerificationError.
    """
    known: dict[tuple[str, int], NoteVerifier] = {}
    for verifier in verifiers:
        other = known.setdefault((verifier.name, verifier.key_hash), verifier)
        if other != verifier:
            raise InvalidInput(f"ambiguous verifier keys {verifier.name}+{verifier.key_hash:08x}")
    text, lines = _split(note)
    verified: set[tuple[str, int]] = set()
    for line in lines:
        name, key_hash, signature = _parse_signature_line(line)
        verifier = known.get((name, key_hash))
        if verifier is None or (name, key_hash) in verified:
            continue
        try:
            verifier.verify_key.verify(signature, text.encode())
        except VerificationError:
            raise VerificationError(f"invalid signature for key {name}+{key_hash:08x}") from None
        verified.add((name, key_hash))
    if not verified:
        raise VerificationError("note has no signature by a known key")
    return text


def _split(note: str | bytes) -> tuple[str, list[str]]:
    """Text and signature lines of a well-formed note."""
    if isinstance(note, bytes | bytearray):
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError:
            raise VerificationError("malformed note: not UTF-8") from None
    elif not note.isascii():
        try:
            note.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: no UTF-8 form to check a signature on
            raise VerificationError("malformed note: not UTF-8") from None
    if _CONTROL.search(note):
        raise VerificationError("malformed note: control characters")
    split = note.rfind("\n\n")
    if split < 0:
        raise VerificationError("malformed note: no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise VerificationError("malformed note: no signature lines, or no final newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return text, lines


def _parse_signature_line(line: str) -> tuple[str, int, bytes]:
    if not line.startswith(_SIG_PREFIX):
        raise VerificationError("malformed note: a signature line must start with '— '")
    name, _, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    raw = _b64decode(encoded)
    if not is_valid_key_name(name) or raw is None or len(raw) < 5:
        raise VerificationError("malformed note: bad signature line")
    return name, int.from_bytes(raw[:4], "big"), raw[4:]


def _b64decode(value: str) -> bytes | None:
    """Standard padded base64, strictly; None when it is not."""
    if not value:
        return None
    try:
        return b64decode(value)
    except ValueError:
        return None


def log_identity(vkey: str) -> str:
    """The log a verifier key names: ``<origin>+<key hash>`` of its ``vkey`` ("" when it
    has neither). One server behind two URLs is one log; two logs behind one URL are two."""
    origin, _, rest = vkey.strip().partition("+")
    key_hash = rest.partition("+")[0]
    return f"{origin}+{key_hash}" if origin and key_hash else ""
