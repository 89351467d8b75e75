"""Brute-force Hamming range search over a contiguous code array, by faiss.

Used for the small, freshly added part of an index, for tiny sets, and for distances
too large for the multi-index to pay off. It scans numpy arrays in place (no copy into a
faiss index object), and faiss releases the GIL while it scans.
"""

from __future__ import annotations

import faiss
import numpy as np

__all__ = ["as_code_matrix", "range_search"]


def as_code_matrix(codes: object, nbytes: int) -> np.ndarray:
    """Codes as a C-contiguous (n, nbytes) uint8 array; ValueError on a wrong shape or type.

    Takes a uint8 array (one code or a matrix), one bytes value, or a list of bytes values.
    """
    if isinstance(codes, bytes | bytearray | memoryview):
        codes = np.frombuffer(bytes(codes), dtype=np.uint8)
    elif isinstance(codes, list | tuple) and not codes:
        codes = np.empty((0, nbytes), np.uint8)
    elif isinstance(codes, list | tuple) and isinstance(codes[0], bytes | bytearray):
        if any(not isinstance(c, bytes | bytearray) or len(c) != nbytes for c in codes):
            raise ValueError(f"codes must have {nbytes} bytes each")
        codes = np.frombuffer(b"".join(codes), dtype=np.uint8).reshape(len(codes), nbytes)
    arr = np.asarray(codes)
    if arr.dtype != np.uint8:
        raise ValueError(f"codes must be uint8, not {arr.dtype}")
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != nbytes:
        raise ValueError(f"codes must have {nbytes} bytes each, got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def range_search(
    queries: np.ndarray, codes: np.ndarray, max_distance: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (query, row) pair within ``max_distance``: (query numbers, rows, distances).

    ``queries`` and ``codes`` are C-contiguous uint8 matrices of equal width.
    """
    nq, n = queries.shape[0], codes.shape[0]
    if nq == 0 or n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)
    # One OpenMP thread for this calling thread (the setting is per thread): callers
    # already spread work over threads, and an OpenMP team per small call costs more than
    # the scan and spins on a busy machine.
    faiss.omp_set_num_threads(1)
    result = faiss.RangeSearchResult(nq)
    # faiss keeps codes strictly below the radius it is given.
    faiss.hamming_range_search(
        faiss.swig_ptr(queries),
        faiss.swig_ptr(codes),
        nq,
        n,
        max_distance + 1,
        codes.shape[1],
        result,
    )
    lims = faiss.rev_swig_ptr(result.lims, nq + 1).copy()
    total = int(lims[-1])
    rows = faiss.rev_swig_ptr(result.labels, total).astype(np.int64, copy=True)
    dists = faiss.rev_swig_ptr(result.distances, total).astype(np.int32, copy=True)
    qnums = np.repeat(np.arange(nq, dtype=np.int64), np.diff(lims).astype(np.int64))
    return qnums, rows, dists
