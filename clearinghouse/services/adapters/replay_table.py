"""A replay cache shared by every process of one server without a database write: a hash
table in a memory-mapped file in the data directory.

Why it is correct across processes and under fork:

- Every process maps the same file ``MAP_SHARED``, so a slot written by one worker is the
  slot every other worker reads: there is one table per data directory, not one per
  process. Two servers started on the same data directory (hence the same embedded
  database) share it too.
- "Look for the fingerprint, then claim a slot" runs under an exclusive ``flock`` on the
  file plus a lock for the threads of the process. ``flock`` belongs to an open file
  description, which a forked child shares with its parent, so each process opens the
  file itself (again after a fork, noticed by its pid) and no two processes ever hold the
  lock through one description. The kernel drops the lock of a process that dies.
- A fingerprint lives in a fixed window of ``WINDOW`` slots chosen by its value; the
  lookup scans that whole window, so no ordering of inserts and expiries can hide an
  entry. A slot is reused only once its signature can no longer verify (its window
  closed), so forgetting it cannot let a replay through. If every slot of the window is
  still live the table refuses the request (503) rather than forget a live signature.
- The file survives restarts, so a replay across a restart is refused as well.

Fingerprints are 128 bits of BLAKE2b over the replay key: two different signatures share
one with probability about n²/2¹²⁹, far below anything observable.
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import threading
from pathlib import Path

from clearinghouse.errors import ServiceUnavailable

__all__ = ["WINDOW", "ReplayTable"]

MAGIC = b"CHREPLY1"
HEADER = 64  # magic, slot count, reserved
WINDOW = 32  # slots scanned per fingerprint
# A slot: the 16-byte fingerprint, then the last second it is valid (signed 64-bit).
SLOT_BYTES = 24
_UNTIL = struct.Struct("<q")
_UNTILS = struct.Struct("<" + "16xq" * WINDOW)  # the ends of one window's slots


class ReplayTable:
    """``first_use(replay_key, valid_until, now)`` over a file shared by every process."""

    def __init__(self, path: Path, slots: int) -> None:
        if slots < WINDOW:
            raise ValueError(f"a replay table needs at least {WINDOW} slots")
        self.path = Path(path)
        self.requested_slots = slots
        self._pid: int | None = None

    def first_use(self, replay_key: str, valid_until: int, now: int) -> bool:
        """True the first time a signature is seen while it can verify, False for a replay.

        Requires ``valid_until`` to be the last second at which the signature verifies."""
        digest = hashlib.blake2b(replay_key.encode(), digest_size=16).digest()
        self._ensure_open()
        start = int.from_bytes(digest[:8], "little") % (self.slots - WINDOW + 1)
        first = HEADER + start * SLOT_BYTES
        with self._thread_lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                # The window as bytes (a copy of 768): the fingerprint is searched by
                # bytes.find, the slots' ends read in one unpack, no array per request.
                window = self._map[first : first + WINDOW * SLOT_BYTES]
                untils = _UNTILS.unpack(window)
                # One second of slack: a slot is reused only once no clock reading can
                # still accept its signature.
                oldest_live = now - 1
                at = window.find(digest)
                while at != -1:
                    if at % SLOT_BYTES == 0 and untils[at // SLOT_BYTES] >= oldest_live:
                        return False
                    at = window.find(digest, at + 1)
                free = next((n for n, until in enumerate(untils) if until < oldest_live), None)
                if free is None:
                    raise ServiceUnavailable(
                        "the replay cache is full; raise CLEARINGHOUSE_REPLAY_CACHE_SLOTS"
                    )
                at = first + free * SLOT_BYTES
                self._map[at : at + SLOT_BYTES] = digest + _UNTIL.pack(valid_until)
                return True
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._pid == os.getpid():
            self._map.close()
            os.close(self._fd)
        self._pid = None

    def _ensure_open(self) -> None:
        if self._pid == os.getpid():
            return
        # A fresh descriptor per process: see the module docstring on flock and fork.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                slots = self._header_or_create(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            size = HEADER + slots * SLOT_BYTES
            mapped = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._map, self.slots = fd, mapped, slots
        self._thread_lock = threading.Lock()
        self._pid = os.getpid()

    def _header_or_create(self, fd: int) -> int:
        """The table's slot count; a new table of the requested size when the file is new.

        An existing table keeps its size: the processes already using it must agree on
        where each fingerprint lives."""
        header = os.pread(fd, HEADER, 0)
        if len(header) == HEADER and header[:8] == MAGIC:
            slots = int.from_bytes(header[8:16], "little")
            if slots >= WINDOW and os.fstat(fd).st_size >= HEADER + slots * SLOT_BYTES:
                return slots
        slots = self.requested_slots
        os.ftruncate(fd, 0)
        os.ftruncate(fd, HEADER + slots * SLOT_BYTES)  # sparse zeros: every slot free
        os.pwrite(fd, MAGIC + slots.to_bytes(8, "little"), 0)
        return slots
