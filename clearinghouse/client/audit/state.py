"""The auditor's memory between runs: the pinned log key, the last verified checkpoint
and the leaf hash of every entry it covered.

The state is a small JSON file; the leaf hashes (32 bytes per entry, in index order) go
in a sidecar file next to it, ``<state>.leaves``, read and written a page at a time.
With them a later run names the first entry that differs from what this run saw, even
when the server rewrote its tree consistently and re-signed it. Both files are replaced
atomically, the sidecar first: the JSON records the sidecar's SHA-256, so a crash in
between leaves a sidecar that is noticed and ignored, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from clearinghouse.errors import InvalidInput
from clearinghouse.tlog import HASH_SIZE
from clearinghouse.wire import b64decode, b64encode

__all__ = ["LeafWriter", "SavedLeaves", "SavedState", "load_state", "save_state"]

FORMAT = "clearinghouse-audit-state/1"


@dataclass(frozen=True)
class SavedState:
    """What the previous successful run left: empty on first use."""

    path: Path
    vkey: str | None = None
    checkpoint: str | None = None
    size: int = 0
    root: bytes | None = None
    leaves_sha256: str | None = None

    @property
    def leaves_path(self) -> Path:
        return _leaves_path(self.path)

    def open_leaves(self) -> SavedLeaves | None:
        """The saved leaf hashes, or None when missing or not the ones recorded."""
        if self.leaves_sha256 is None or not self.leaves_path.exists():
            return None
        digest = hashlib.sha256()
        with self.leaves_path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
            length = fh.tell()
        if length != self.size * HASH_SIZE or digest.hexdigest() != self.leaves_sha256:
            return None
        return SavedLeaves(self.leaves_path.open("rb"), self.size)


class SavedLeaves:
    """Sequential reads of the saved leaf hashes."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self._fh = fh
        self.size = size

    def read(self, start: int, count: int) -> list[bytes]:
        """Up to ``count`` hashes from index ``start`` (reads must go in order)."""
        count = max(0, min(count, self.size - start))
        self._fh.seek(start * HASH_SIZE)
        data = self._fh.read(count * HASH_SIZE)
        return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]

    def close(self) -> None:
        self._fh.close()


class LeafWriter:
    """Leaf hashes written as they stream by, to a temporary file beside the state."""

    def __init__(self, state_path: Path) -> None:
        state_path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=state_path.name + ".", dir=state_path.parent)
        self._fh = os.fdopen(fd, "wb")
        self._tmp = Path(name)
        self._digest = hashlib.sha256()
        self.count = 0

    def write(self, leaves: list[bytes]) -> None:
        data = b"".join(leaves)
        self._fh.write(data)
        self._digest.update(data)
        self.count += len(leaves)

    def commit(self, destination: Path) -> str:
        """Move the file into place; return its SHA-256."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, destination)
        return self._digest.hexdigest()

    def discard(self) -> None:
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


def load_state(path: str | os.PathLike[str]) -> SavedState:
    """The state saved at ``path``, empty if there is none; a damaged file is InvalidInput."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return SavedState(path)
    except OSError as exc:
        raise InvalidInput(f"cannot read the audit state {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise ValueError("unknown format")
        root = b64decode(data["root"])
        size = data["size"]
        if not isinstance(size, int) or size < 0 or len(root) != HASH_SIZE:
            raise ValueError("bad size or root")
        leaves = data.get("leaves") or {}
        return SavedState(
            path,
            vkey=str(data["vkey"]),
            checkpoint=str(data["checkpoint"]),
            size=size,
            root=root,
            leaves_sha256=leaves.get("sha256"),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"the audit state {path} is damaged ({exc}); move it aside") from None


def save_state(
    path: Path, vkey: str, checkpoint: str, size: int, root: bytes, leaves: LeafWriter
) -> None:
    """Replace the state with a verified checkpoint and the leaves it covers."""
    digest = leaves.commit(_leaves_path(path))
    data = {
        "format": FORMAT,
        "vkey": vkey,
        "checkpoint": checkpoint,
        "size": size,
        "root": b64encode(root),
        "leaves": {"file": _leaves_path(path).name, "count": leaves.count, "sha256": digest},
        "saved": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    fd, name = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _leaves_path(path: Path) -> Path:
    return path.with_name(path.name + ".leaves")
