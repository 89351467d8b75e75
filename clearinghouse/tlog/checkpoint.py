"""C2SP tlog checkpoints (https://c2sp.org/tlog-checkpoint): the log's signed tree head.

The body is the origin line, the tree size in decimal, the base64 root hash, then any
extension lines, each ending in a newline. It is signed as a C2SP signed note; the
log's key name is its origin. Parsing is strict, so one checkpoint has one encoding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from clearinghouse.crypto.keys import SigningKey
from clearinghouse.errors import VerificationError
from clearinghouse.tlog.hashing import HASH_SIZE
from clearinghouse.tlog.note import NoteVerifier, open_note, sign_note
from clearinghouse.wire import b64decode, b64encode

__all__ = ["Checkpoint", "open_checkpoint", "sign_checkpoint"]

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # per line, so newline counts too
_MAX_SIZE = 2**63 - 1  # what every reference implementation can represent


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: which log, how many entries, and the root over them."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or _CONTROL.search(self.origin):
            raise ValueError("a checkpoint origin is one non-empty line")
        if not 0 <= self.size <= _MAX_SIZE:
            raise ValueError(f"checkpoint size {self.size} is out of range")
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"a checkpoint root hash is {HASH_SIZE} bytes")
        if any(not line or _CONTROL.search(line) for line in self.extensions):
            raise ValueError("checkpoint extension lines are non-empty single lines")

    def to_body(self) -> str:
        """The note text: origin, size, base64 root and extension lines, each with "\\n"."""
        lines = [self.origin, str(self.size), b64encode(self.root_hash)]
        return "".join(line + "\n" for line in (*lines, *self.extensions))

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse a checkpoint body strictly; anything malformed is VerificationError."""
        if not body.endswith("\n"):
            raise VerificationError("malformed checkpoint: no final newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise VerificationError("malformed checkpoint: fewer than three lines")
        if any(_CONTROL.search(line) for line in lines):
            raise VerificationError("malformed checkpoint: control characters")
        origin, size_text, root_text, *extensions = lines
        if not origin:
            raise VerificationError("malformed checkpoint: empty origin")
        if not _DECIMAL.fullmatch(size_text) or int(size_text) > _MAX_SIZE:
            raise VerificationError(f"malformed checkpoint: bad tree size {size_text!r}")
        try:
            root_hash = b64decode(root_text)
        except ValueError:
            root_hash = b""
        if len(root_hash) != HASH_SIZE or b64encode(root_hash) != root_text:
            raise VerificationError("malformed checkpoint: root hash is not base64 of 32 bytes")
        if any(not line for line in extensions):
            raise VerificationError("malformed checkpoint: empty extension line")
        return cls(origin, int(size_text), root_hash, tuple(extensions))


def sign_checkpoint(
    checkpoint: Checkpoint, signing_key: SigningKey, name: str | None = None
) -> str:
    """The checkpoint as a signed note, by ``name`` (default: its origin)."""
    return sign_note(checkpoint.to_body(), checkpoint.origin if name is None else name, signing_key)


def open_checkpoint(
    note: str | bytes, verifiers: Iterable[NoteVerifier], *, origin: str | None = None
) -> Checkpoint:
    """The checkpoint in a signed note, once a known key's signature checks out.

    With ``origin``, a checkpoint of any other log is refused (VerificationError).
    """
    checkpoint = Checkpoint.parse(open_note(note, verifiers))
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint
