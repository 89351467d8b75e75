"""The log as its readers see it: the server's log key, signed checkpoints, entries and
proofs (DESIGN §6). The log key is created on first use and never rotated silently: its
verifier key is recorded in the database, and a different or missing key file stops the
service instead of quietly starting a new identity."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from clearinghouse.config import ensure_data_dir
from clearinghouse.crypto import SigningKey
from clearinghouse.errors import ConfigError, InvalidInput
from clearinghouse.services.read_models import list_budget
from clearinghouse.store import Session, app_state
from clearinghouse.store.log import SqlNodeReader, log_size, read_entries
from clearinghouse.tlog.checkpoint import Checkpoint, sign_checkpoint
from clearinghouse.tlog.note import NoteVerifier
from clearinghouse.tlog.proofs import consistency_proof, inclusion_proof, root
from clearinghouse.wire import LOG_ENTRIES_LIMIT, b64encode

if TYPE_CHECKING:
    from clearinghouse.store.db import Database

__all__ = [
    "LogKey",
    "checkpoint",
    "consistency",
    "entries",
    "entry_size",
    "inclusion",
    "receipt",
]

_ENTRY_FRAME = len('{"index":,"data":""}')
_READ_SLICE = 100  # entries read from the database at a time for one page
VKEY_STATE = "log_vkey"


class LogKey:
    """The server's log signing key at ``path``, loaded (or created, mode 0600) on first
    use and checked against the verifier key the database recorded."""

    def __init__(self, path: Path, origin: str, db: Database) -> None:
        self.path = path
        self.origin = origin
        self._db = db
        self._key: SigningKey | None = None
        self._lock = threading.Lock()

    def signing_key(self) -> SigningKey:
        """The key; the first call loads or creates it."""
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._load_or_create()
        return self._key

    def verifier(self) -> NoteVerifier:
        """The verifier of checkpoints, named after the log's origin."""
        return NoteVerifier.for_key(self.origin, self.signing_key().verify_key)

    def _load_or_create(self) -> SigningKey:
        path = self.path
        if path.exists():
            _refuse_open_mode(path)
            try:
                key = SigningKey.from_pem(path.read_bytes())
            except (OSError, InvalidInput) as exc:
                raise ConfigError(
                    f"CLEARINGHOUSE_LOG_KEY_PATH: cannot load {path}: {exc}"
                ) from None
        else:
            with self._db.read() as session:
                recorded = app_state.get(session, VKEY_STATE)
            if recorded is not None and path.exists():  # another process just created it
                return self._load_or_create()
            if recorded is not None:  # a log already signed: a new key would fork its identity
                raise ConfigError(
                    f"CLEARINGHOUSE_LOG_KEY_PATH: {path} is missing, but this log was signed "
                    f"with {recorded}; restore that key rather than rotating it silently"
                )
            ensure_data_dir(path.parent)
            key = SigningKey.generate()
            if not _publish(path, key.to_pem()):  # another process created it first
                return self._load_or_create()
        vkey = NoteVerifier.for_key(self.origin, key.verify_key).vkey
        with self._db.write() as session:
            recorded = app_state.setdefault(session, VKEY_STATE, vkey)
            if recorded != vkey:
                raise ConfigError(
                    f"CLEARINGHOUSE_LOG_KEY_PATH: {path} is not the key this log was signed "
                    f"with ({recorded}); restore that key rather than rotating it silently"
                )
        return key


def _refuse_open_mode(path: Path) -> None:
    """A log key others can read is a key others may have copied: stop, say how to fix."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"CLEARINGHOUSE_LOG_KEY_PATH: {path} is readable by others (mode {mode:04o}); "
            f"make it private with `chmod 600 {path}` (and consider it exposed)"
        )


def _publish(path: Path, pem: bytes) -> bool:
    """Write ``pem`` at ``path`` (mode 0600) only if nothing is there; False otherwise.
    The file appears complete or not at all: written aside, then hard-linked into place,
    so a process starting at the same moment never reads a half-written key."""
    fd, aside = tempfile.mkstemp(dir=path.parent, prefix=".log-key-")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(aside, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(aside)
    return True


def checkpoint(log_key: LogKey, session: Session, size: int | None = None) -> str:
    """The signed checkpoint of the log at ``size`` (default: its current size)."""
    size = log_size(session) if size is None else size
    head = Checkpoint(log_key.origin, size, root(size, SqlNodeReader(session)))
    return sign_checkpoint(head, log_key.signing_key())


def receipt(log_key: LogKey, session: Session, index: int, size: int) -> dict:
    """What a statement's answer carries: a checkpoint and its entry's inclusion proof."""
    hashes = inclusion_proof(index, size, SqlNodeReader(session))
    return {
        "checkpoint": checkpoint(log_key, session, size),
        "inclusion_proof": {
            "index": index,
            "tree_size": size,
            "hashes": [b64encode(h) for h in hashes],
        },
    }


def entries(db: Database, start: int, end: int, max_bytes: int) -> dict:
    """Entries ``start <= index < end`` (at most LOG_ENTRIES_LIMIT, and at most ``max_bytes`` of
    answer unless the first entry alone is larger) as ``{"entries": [{"index", "data"}],
    "next"}``; ``next`` is the index to ask for from, when entries before ``end`` were
    left out, else null."""
    with db.read() as session:
        size = log_size(session)
        if not 0 <= start < end or end - start > LOG_ENTRIES_LIMIT or start >= size:
            raise InvalidInput(
                f"start and end: need 0 <= start < end, start < {size} (the log size) "
                f"and at most {LOG_ENTRIES_LIMIT} entries, got start={start}, end={end}"
            )
        stop = min(end, size)
        shown = list_budget.fit(_served(session, start, stop), max_bytes, entry_size)
    following = start + len(shown)
    return {"entries": shown, "next": following if following < stop else None}


def entry_size(entry: dict) -> int:
    """``list_budget.encoded_size`` of an entry as served, without encoding it again:
    base64 and decimal digits need no escapes."""
    return _ENTRY_FRAME + len(str(entry["index"])) + len(entry["data"])


def _served(session: Session, start: int, stop: int) -> Iterator[dict]:
    """Entries as the answer shows them, read a slice at a time: large entries past the
    byte budget are never loaded."""
    for first in range(start, stop, _READ_SLICE):
        for index, data in read_entries(session, first, min(stop, first + _READ_SLICE)):
            yield {"index": index, "data": b64encode(data)}


def inclusion(db: Database, index: int, tree_size: int) -> dict:
    """The inclusion proof of entry ``index`` in the tree of ``tree_size`` entries."""
    with db.read() as session:
        size = log_size(session)
        if not 0 <= index < tree_size <= size:
            raise InvalidInput(
                f"index and tree_size: need 0 <= index < tree_size <= {size}, "
                f"got index={index}, tree_size={tree_size}"
            )
        hashes = inclusion_proof(index, tree_size, SqlNodeReader(session))
    return {"index": index, "tree_size": tree_size, "hashes": [b64encode(h) for h in hashes]}


def consistency(db: Database, first: int, second: int) -> dict:
    """The consistency proof between the trees of ``first`` and ``second`` entries."""
    with db.read() as session:
        size = log_size(session)
        if not 0 < first <= second <= size:
            raise InvalidInput(
                f"first and second: need 0 < first <= second <= {size}, "
                f"got first={first}, second={second}"
            )
        hashes = consistency_proof(first, second, SqlNodeReader(session))
    return {"first": first, "second": second, "hashes": [b64encode(h) for h in hashes]}
