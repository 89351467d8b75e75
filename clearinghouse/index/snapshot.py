"""Index snapshots on disk: numpy ``.npy`` files plus a checksummed JSON manifest.

A snapshot is a directory ``path`` holding one ``<name>.npy`` per array (written and read
with ``allow_pickle=False``) and ``manifest.json`` with the format version, the index
kind, its metadata, the change-sequence ``position`` it reflects, and the SHA-256 and size
of every file. It is written into a temporary sibling directory and renamed into place,
under an exclusive ``fcntl`` lock on ``<path>.lock`` so two processes never write it at
once; readers hold the shared lock, so they never see half a swap. Anything missing,
altered or of another shape raises ``SnapshotError``: the caller rebuilds from the
database rather than trust it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from clearinghouse.errors import ClearinghouseError

__all__ = [
    "SnapshotBusy",
    "SnapshotError",
    "check_snapshot",
    "read_snapshot",
    "write_snapshot",
]

FORMAT = "clearinghouse-index-snapshot"
VERSION = 1
MANIFEST = "manifest.json"
_IO_THREADS = 2
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


class SnapshotError(ClearinghouseError):
    """A snapshot that is missing, corrupt or does not fit; rebuild the index instead."""

    slug = "index-snapshot"
    title = "Index snapshot unusable"


class SnapshotBusy(SnapshotError):
    """Another process is writing this snapshot right now."""


def check_snapshot(condition: bool, detail: str) -> None:
    """Raise SnapshotError with ``detail`` unless ``condition`` holds."""
    if not condition:
        raise SnapshotError(detail)


@contextlib.contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, mode)
        except BlockingIOError as exc:
            raise SnapshotBusy(f"snapshot {path} is being written by another process") from exc
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class _HashingWriter:
    """A binary file that hashes what is written through it (numpy calls ``write``)."""

    def __init__(self, f: Any) -> None:
        self._f = f
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self._f.write(data)


def _write_array(directory: Path, name: str, array: np.ndarray) -> tuple[str, dict[str, Any]]:
    filename = f"{name}.npy"
    with open(directory / filename, "wb") as f:
        writer = _HashingWriter(f)
        np.lib.format.write_array(writer, np.ascontiguousarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    return filename, {"sha256": writer.sha256.hexdigest(), "bytes": writer.size}


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_snapshot(
    path: Path,
    kind: str,
    arrays: dict[str, np.ndarray],
    meta: dict[str, Any],
    position: int,
    *,
    wait: bool = True,
) -> None:
    """Atomically replace the snapshot at ``path``; SnapshotBusy if ``wait`` is False and locked."""
    if not isinstance(position, int) or isinstance(position, bool):
        raise ValueError("position must be an int")
    mode = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
    with _locked(path, mode):
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.tmp-"))
        try:
            with ThreadPoolExecutor(_IO_THREADS) as pool:
                files = dict(pool.map(lambda kv: _write_array(tmp, *kv), arrays.items()))
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "kind": kind,
                "position": position,
                "meta": meta,
                "files": files,
            }
            with open(tmp / MANIFEST, "w", encoding="utf-8") as f:
                json.dump(manifest, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            _fsync_dir(tmp)
            old = None
            if path.exists():
                old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.old-"))
                os.rename(path, old / "snapshot")
            os.rename(tmp, path)
            _fsync_dir(path.parent)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _read_array(path: Path, expected: dict[str, Any]) -> np.ndarray:
    """Read one .npy file in a single pass, checking its size and SHA-256."""
    digest = hashlib.sha256()
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
        header_len = f.tell()
        f.seek(0)
        digest.update(f.read(header_len))
        array = np.empty(shape, dtype=dtype)
        view = memoryview(array.reshape(-1).view(np.uint8)) if array.size else memoryview(b"")
        check_snapshot(header_len + view.nbytes == size, f"{path.name}: length differs")
        done = 0
        while done < view.nbytes:
            got = f.readinto(view[done:])
            check_snapshot(bool(got), f"{path.name}: truncated")
            done += got
        digest.update(view)
    check_snapshot(digest.hexdigest() == expected.get("sha256"), f"{path.name}: checksum differs")
    return array


def read_snapshot(path: Path, kind: str) -> tuple[dict[str, np.ndarray], dict[str, Any], int]:
    """Read and verify the snapshot at ``path``: (arrays, meta, position)."""
    with _locked(path, fcntl.LOCK_SH):
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SnapshotError(f"no snapshot at {path}") from exc
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"unreadable snapshot manifest at {path}") from exc
        check_snapshot(isinstance(manifest, dict), "manifest is not an object")
        check_snapshot(
            manifest.get("format") == FORMAT and manifest.get("version") == VERSION,
            "snapshot of another format or version",
        )
        check_snapshot(manifest.get("kind") == kind, f"snapshot is not of a {kind} index")
        position, files = manifest.get("position"), manifest.get("files")
        check_snapshot(isinstance(position, int) and not isinstance(position, bool), "bad position")
        check_snapshot(isinstance(files, dict), "manifest lists no files")
        for filename, expected in files.items():
            check_snapshot(
                isinstance(expected, dict)
                and filename.endswith(".npy")
                and "/" not in filename
                and not filename.startswith("."),
                f"bad file entry {filename!r}",
            )

        def read(item: tuple[str, dict[str, Any]]) -> tuple[str, np.ndarray]:
            filename, expected = item
            try:
                return filename[: -len(".npy")], _read_array(path / filename, expected)
            except OSError as exc:
                raise SnapshotError(f"{filename}: unreadable") from exc

        with ThreadPoolExecutor(_IO_THREADS) as pool:
            arrays = dict(pool.map(read, files.items()))
    meta = manifest.get("meta")
    check_snapshot(isinstance(meta, dict), "manifest has no metadata")
    return arrays, meta, position
