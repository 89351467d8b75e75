"""Snapshot generations: every index part and the signal states of one change position,
in immutable files that all the worker processes of a host map instead of each holding
its own copy.

Layout under ``root`` (the snapshot directory)::

    CURRENT                      the name of the published generation, replaced atomically
    gen-<position>-<token>/      one generation, never modified once published
        manifest.json            format, version, position; per part its kind, metadata
                                 and files (bytes, CRC-32 of each)
        <part>.<array>.npy       one numpy array file (no pickles)
    .tmp-<token>/                a generation being written (swept by the next writer)
    writer.lock                  flock held by the one process writing a generation

A generation is written into a temporary directory, every file and the directory are
fsynced, the directory is renamed to its final name, and only then is ``CURRENT``
replaced (write a temporary file, fsync, rename). A process killed at any point leaves
``CURRENT`` naming the previous generation, whole. Older generations are removed after a
publish, keeping the one before it: a worker that still maps a removed file keeps its
pages (an unlinked file lives as long as a mapping of it).

``open_generation`` maps every array (read-only, or copy-on-write for parts a process
updates in place) and checks each file's size, ``.npy`` header and CRC-32 before anything
is served from it; any fault raises ``SnapshotError`` and the caller rebuilds from the
log. CRC-32 (several GB/s) rather than SHA-256 (~0.5 GB/s here): it guards against torn
writes, truncation and bit rot in files only the server writes, at a cost that keeps a
worker's start within seconds; the log, not a snapshot, is what anyone trusts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from clearinghouse.index.snapshot import SnapshotBusy, SnapshotError, check_snapshot

__all__ = [
    "ANY",
    "Generation",
    "Part",
    "current_generation",
    "open_generation",
    "withdraw_generation",
    "write_generation",
]

FORMAT = "clearinghouse-snapshot-generation"
VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
ANY = object()  # write_generation(replacing=ANY): whatever is published
_OPEN_TRIES = 3
_NAME = re.compile(r"gen-[0-9]+-[0-9a-f]{16}")
_PART = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_CRC_PIECE = 1 << 26  # bytes per zlib.crc32 call (it releases the GIL on each)
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


@dataclass(frozen=True)
class Part:
    """One index (or the signal states) of a generation: its kind, arrays and metadata."""

    kind: str
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Generation:
    """A published generation as mapped by this process."""

    name: str
    position: int
    parts: dict[str, Part]

    @property
    def nbytes(self) -> int:
        """Bytes of every array of every part (what the files hold beyond headers)."""
        return sum(a.nbytes for p in self.parts.values() for a in p.arrays.values())


@contextlib.contextmanager
def _writer_lock(root: Path, wait: bool) -> Iterator[None]:
    fd = os.open(root / "writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SnapshotBusy(f"a generation is being written under {root}") from exc
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class _CrcWriter:
    """A binary file that keeps the CRC-32 and size of what is written through it."""

    def __init__(self, f: Any) -> None:
        self._f = f
        self.crc = 0
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return self._f.write(data)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_array(path: Path, array: np.ndarray) -> dict[str, int]:
    with open(path, "wb") as f:
        writer = _CrcWriter(f)
        np.lib.format.write_array(writer, np.ascontiguousarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    return {"bytes": writer.size, "crc32": writer.crc}


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def write_generation(
    root: Path,
    build: Callable[[], tuple[dict[str, Part], int]],
    *,
    wait: bool = True,
    replacing: object = ANY,
) -> str | None:
    """Publish the generation ``build()`` returns as (parts, change position); its name.

    ``build`` runs under the writer lock, so only one process pays for it. With
    ``wait=False``, raise SnapshotBusy instead of waiting for another writer. With
    ``replacing`` (a generation name, or None for none yet), write only while that is still
    the published one, else return None: another process has just published, so map that.
    """
    root.mkdir(parents=True, exist_ok=True)
    with _writer_lock(root, wait):
        if replacing is not ANY and current_generation(root) != replacing:
            return None
        _sweep(root, keep=None)
        parts, position = build()
        if not isinstance(position, int) or isinstance(position, bool) or position < -1:
            raise ValueError("position must be an int >= -1")
        for part_name, part in parts.items():
            if not _PART.fullmatch(part_name) or any(not _PART.fullmatch(a) for a in part.arrays):
                raise ValueError(f"bad part or array name in {part_name!r}")
        tmp = root / f".tmp-{secrets.token_hex(8)}"
        tmp.mkdir(mode=0o700)
        try:
            listed: dict[str, Any] = {}
            for part_name, part in parts.items():
                files = {
                    array_name: _write_array(tmp / f"{part_name}.{array_name}.npy", array)
                    for array_name, array in part.arrays.items()
                }
                listed[part_name] = {"kind": part.kind, "meta": part.meta, "files": files}
            del parts
            manifest = {"format": FORMAT, "version": VERSION, "position": position, "parts": listed}
            with open(tmp / MANIFEST, "w", encoding="utf-8") as f:
                json.dump(manifest, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            _fsync_dir(tmp)
            name = f"gen-{max(position, 0):012d}-{secrets.token_hex(8)}"
            os.rename(tmp, root / name)
            _fsync_dir(root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            previous = current_generation(root)
        except SnapshotError:
            previous = None
        _write_atomically(root / CURRENT, name + "\n")
        _fsync_dir(root)
        _sweep(root, keep=(name, previous))
    return name


def _sweep(root: Path, keep: tuple[str | None, ...] | None) -> None:
    """Remove unpublished temporary directories (left by a killed writer) and, after a
    publish, every generation but the ones in ``keep`` (the new and the previous one)."""
    for path in root.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)
    if keep is None:
        return
    for path in root.iterdir():
        if _NAME.fullmatch(path.name) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def current_generation(root: Path) -> str | None:
    """The name of the published generation under ``root``, or None (a cheap read)."""
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"unreadable {CURRENT} under {root}") from exc
    check_snapshot(bool(_NAME.fullmatch(name)), f"{CURRENT} names no generation")
    return name


def withdraw_generation(root: Path) -> None:
    """Publish no generation any more (after the state was repaired behind it): the next
    process to start reads the database and publishes a new one. Processes mapping the
    old one keep their mappings."""
    (root / CURRENT).unlink(missing_ok=True)
    if root.is_dir():
        _fsync_dir(root)


def open_generation(root: Path, *, copy_on_write: frozenset[str] = frozenset()) -> Generation:
    """Map and check the published generation; SnapshotError if none or any file is off.

    Parts named in ``copy_on_write`` are mapped privately writable: a write changes only
    this process's copy of the touched pages, never the file.
    """
    for _ in range(_OPEN_TRIES - 1):
        name = current_generation(root)
        try:
            return _open(root, name, copy_on_write)
        except SnapshotError:
            if current_generation(root) == name:
                raise
            # Two publishes while it was being opened swept it away: open the newer.
    return _open(root, current_generation(root), copy_on_write)


def _open(root: Path, name: str | None, copy_on_write: frozenset[str]) -> Generation:
    check_snapshot(name is not None, f"no published generation under {root}")
    directory = root / name
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"unreadable manifest of {name}") from exc
    check_snapshot(
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and manifest.get("version") == VERSION,
        "generation of another format or version",
    )
    position, listed = manifest.get("position"), manifest.get("parts")
    check_snapshot(isinstance(position, int) and not isinstance(position, bool), "bad position")
    check_snapshot(isinstance(listed, dict), "manifest lists no parts")
    parts = {}
    for part_name, entry in listed.items():
        check_snapshot(
            bool(_PART.fullmatch(part_name))
            and isinstance(entry, dict)
            and isinstance(entry.get("kind"), str)
            and isinstance(entry.get("meta"), dict)
            and isinstance(entry.get("files"), dict),
            f"bad part entry {part_name!r}",
        )
        mode = "c" if part_name in copy_on_write else "r"
        arrays = {}
        for array_name, expected in entry["files"].items():
            check_snapshot(
                bool(_PART.fullmatch(array_name)) and isinstance(expected, dict),
                f"bad file entry {array_name!r}",
            )
            path = directory / f"{part_name}.{array_name}.npy"
            arrays[array_name] = _map_array(path, expected, mode)
        parts[part_name] = Part(entry["kind"], arrays, entry["meta"])
    return Generation(name, position, parts)


def _map_array(path: Path, expected: dict[str, Any], mode: str) -> np.ndarray:
    """Map one .npy file after checking its size, header and CRC-32."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            check_snapshot(size == expected.get("bytes"), f"{path.name}: size differs")
            try:
                read_header = _HEADER_READERS.get(np.lib.format.read_magic(f))
                check_snapshot(read_header is not None, f"{path.name}: unknown .npy version")
                shape, fortran, dtype = read_header(f)
            except ValueError as exc:
                raise SnapshotError(f"{path.name}: not a numpy array file") from exc
            check_snapshot(not dtype.hasobject and not fortran, f"{path.name}: unexpected layout")
            offset = f.tell()
            f.seek(0)
            crc = zlib.crc32(f.read(offset))
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        check_snapshot(offset + nbytes == size, f"{path.name}: length differs")
        if nbytes == 0:
            array = np.empty(shape, dtype)
        else:
            array = np.memmap(path, dtype=dtype, mode=mode, offset=offset, shape=shape)
            flat = memoryview(np.asarray(array).reshape(-1).view(np.uint8))
            for start in range(0, nbytes, _CRC_PIECE):
                crc = zlib.crc32(flat[start : start + _CRC_PIECE], crc)
    except OSError as exc:
        raise SnapshotError(f"{path.name}: unreadable ({exc.strerror})") from exc
    check_snapshot(crc == expected.get("crc32"), f"{path.name}: checksum differs")
    return array
