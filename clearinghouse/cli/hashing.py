"""``clearinghouse hash``: hash files locally, one JSON line per signal on stdout.

The media never leaves the machine: this command only reads files and prints hashes.
Files are hashed in parallel worker processes (a handful in this one); results are
printed in the order the paths were given. A file that cannot be hashed becomes a
``{"path", "error"}`` line and the rest go on; the exit status is 1 if any file failed.
The progress bar goes to stderr, never stdout, so the output can be piped straight into
``clearinghouse submit``.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import click

from clearinghouse.signals import default_registry
from clearinghouse.wire import SIGNAL_TYPES

__all__ = ["hash_cmd"]

_TYPES = SIGNAL_TYPES
_PROGRESS_MIN_FILES = 6  # below this a bar is noise
_CHUNK = 4  # files per task: fewer round trips, still balanced across workers
_POOL_MIN_FILES = 8  # below this, files are hashed in this process


@click.command("hash")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--types",
    "types_text",
    default=None,
    metavar="T1,T2",
    help=f"Signal types to compute (default: all that apply): {', '.join(_TYPES)}.",
)
@click.option("--recursive", "-r", is_flag=True, help="Descend into subdirectories.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: one per core).",
)
@click.option(
    "--fast-jpeg",
    is_flag=True,
    help="Decode large JPEGs at reduced size: faster, moves hashes a little (docs/signals.md).",
)
@click.option(
    "--regions/--no-regions",
    default=True,
    help="Add the PDQ region ladder to image lines (default; docs/signals.md).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: when stderr is a terminal and there are >5 files).",
)
def hash_cmd(
    paths: tuple[Path, ...],
    types_text: str | None,
    recursive: bool,
    jobs: int | None,
    fast_jpeg: bool,
    regions: bool,
    progress: bool | None,
) -> None:
    """Hash files: PDQ and the imagehash family for images, vPDQ for videos, MD5/SHA-256 for all."""
    from tqdm import tqdm

    from clearinghouse.signals.hashing.files import HashOptions

    types = _parse_types(types_text)
    options = HashOptions(
        types=types, draft_min_side=FAST_JPEG_MIN_SIDE if fast_jpeg else None, regions=regions
    )
    files = list(_expand(paths, recursive))
    if progress is None:
        progress = sys.stderr.isatty() and len(files) >= _PROGRESS_MIN_FILES
    failed = False
    bar = tqdm(total=len(files), unit="file", file=sys.stderr, disable=not progress)
    with bar:
        for path, records, error in _hash_all(files, options, jobs or os.cpu_count() or 1):
            if error is not None:
                failed = True
                _emit({"path": str(path), "error": error})
            for record in records:
                _emit(record)
                _warn_low_quality(record)
            bar.update(1)
    if failed:
        raise click.exceptions.Exit(1)


# Shorter side kept by --fast-jpeg; the calibration in docs/signals.md measured its effect.
FAST_JPEG_MIN_SIDE = 256


def _parse_types(text: str | None) -> frozenset[str]:
    if text is None:
        return frozenset(_TYPES)
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in _TYPES]
    if unknown or not names:
        raise click.BadParameter(
            f"unknown signal type {unknown[0]!r}; known: {', '.join(_TYPES)}"
            if unknown
            else "expected at least one signal type",
            param_hint="--types",
        )
    return frozenset(names)


def _expand(paths: tuple[Path, ...], recursive: bool) -> Iterator[Path]:
    """Files to hash: each file as given, a directory's files (sorted), deeper with --recursive."""
    for path in paths:
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            yield from sorted(p for p in found if p.is_file())
        else:
            yield path  # missing or unreadable paths become error lines


def _hash_all(
    files: list[Path], options: Any, jobs: int
) -> Iterator[tuple[Path, list[dict[str, Any]], str | None]]:
    """``(path, records, error)`` per file, in order; in worker processes for larger sets."""
    if jobs == 1 or len(files) < _POOL_MIN_FILES:
        # Starting worker processes costs more than hashing a handful of files here.
        for path in files:
            yield _hash_one(path, options)
        return
    # spawn, not fork: the parent may hold threads (BLAS, FFmpeg) that fork would copy half-done.
    context = multiprocessing.get_context("spawn")
    with (
        _single_threaded_children(),
        ProcessPoolExecutor(max_workers=min(jobs, len(files)), mp_context=context) as pool,
    ):
        done = 0
        try:
            for result in pool.map(_hash_one, files, [options] * len(files), chunksize=_CHUNK):
                done += 1
                yield result
        except BrokenProcessPool:
            for path in files[done:]:
                yield path, [], "a hashing process crashed"


@contextlib.contextmanager
def _single_threaded_children() -> Iterator[None]:
    """One BLAS/OpenMP thread per worker: the workers already fill the cores, and threaded
    BLAS spinning against busy cores made hashing several times slower. Workers read these
    variables when they start, so they are set only while the pool runs."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _hash_one(path: Path, options: Any) -> tuple[Path, list[dict[str, Any]], str | None]:
    """Hash one file; never raises, so one bad file cannot stop the others."""
    from clearinghouse.signals.hashing.errors import HashingError
    from clearinghouse.signals.hashing.files import hash_file

    try:
        return path, hash_file(path, options), None
    except HashingError as error:
        return path, [], error.detail
    except Exception as error:  # a decoder bug on one file must not lose the rest
        return path, [], f"unexpected error: {type(error).__name__}: {error}"


# The server's default lowest PDQ quality (CLEARINGHOUSE_PDQ_MIN_QUALITY).
PDQ_MIN_QUALITY = 50


def _warn_low_quality(record: dict[str, Any]) -> None:
    """A PDQ hash the server would refuse: said now, skipped (and counted) by ``submit``."""
    quality = record.get("quality")
    kind = default_registry().types.get(str(record.get("signal_type")))
    if (
        kind is not None
        and kind.takes_quality
        and isinstance(quality, int)
        and quality < PDQ_MIN_QUALITY
    ):
        click.echo(
            f"warning: {record.get('path')}: PDQ quality {quality} is below the minimum "
            f"{PDQ_MIN_QUALITY} (a flat or dark image); `submit` will skip this hash",
            err=True,
        )


def _emit(record: dict[str, Any]) -> None:
    click.echo(json.dumps(record, ensure_ascii=True))
