"""TMK+PDQF hashing of videos, in NumPy over frames decoded with PyAV.

This follows the reference ``tmk-hash-video`` step by step. The reference pipes every
frame through ``ffmpeg -s 64:64 -pix_fmt rgb24 -r 15``; here the same FFmpeg filters run
inside PyAV (``scale=64:64`` bicubic, ``format=rgb24``), and frames are dropped or
repeated to 15 fps by the command line's own rule (``resample.py``). Each 64×64 frame
becomes its PDQ float feature: luma ``0.299R + 0.587G + 0.114B`` and the 16×16 corner of
its 2-D DCT (``D·A·Dᵀ``, D the 16×64 PDQ DCT matrix), 256 floats. The features then feed
the temporal match kernel: their mean (level 1), and for each reference period T and
Fourier coefficient j the sums of the unit-length features weighted by ``cos(2πjt/T)``
and ``sin(2πjt/T)`` at resampled frame number t, each sum scaled to unit length and then
by ``sqrt(cⱼ)`` (level 2). tests/vectors/tmk/ holds the reference's own files for a few
videos, and the tests compare both scores with them.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from clearinghouse.signals.hashing.errors import HashingError
from clearinghouse.signals.hashing.resample import CfrResampler
from clearinghouse.signals.tmk import (
    REFERENCE_COEFFICIENTS,
    REFERENCE_FPS,
    REFERENCE_PERIODS,
    TMK_DIMENSION,
    TmkFeatures,
)

__all__ = ["TmkAccumulator", "hash_video_tmk", "pdqf_features", "resampled_frames"]

FRAME_SIDE = 64  # the reference downscales every frame to 64×64 before PDQF
_CHUNK = 512  # frames folded into the kernel sums at once: memory stays bounded


@functools.cache
def _dct_matrix() -> np.ndarray:
    """The 16×64 DCT matrix of pdqhashing.cpp, float32 as the reference builds it."""
    i = np.arange(1, 17, dtype=np.float64)[:, None]
    j = np.arange(64, dtype=np.float64)[None, :]
    scale = np.sqrt(2.0 / 64.0)
    return (scale * np.cos((np.pi / 2.0 / 64.0) * i * (2 * j + 1))).astype(np.float32)


def pdqf_features(rgb: np.ndarray) -> np.ndarray:
    """PDQ float features of 64×64 RGB frames: (n, 64, 64, 3) uint8 → (n, 256) float32."""
    if rgb.ndim != 4 or rgb.shape[1:] != (FRAME_SIDE, FRAME_SIDE, 3):
        raise ValueError(f"expected (n, 64, 64, 3) frames, got {rgb.shape}")
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    luma = rgb.astype(np.float32) @ weights  # (n, 64, 64)
    d = _dct_matrix()
    # D · A · Dᵀ by einsum without BLAS: BLAS sums in an order that depends on its thread
    # count, and the same video must give the same bytes in every process.
    dct = np.einsum("nil,jl->nij", np.einsum("ik,nkl->nil", d, luma), d)
    return dct.reshape(-1, TMK_DIMENSION).astype(np.float32)


class TmkAccumulator:
    """Folds PDQF frame features, in order, into the TMK feature vectors."""

    def __init__(self) -> None:
        p, c = len(REFERENCE_PERIODS), REFERENCE_COEFFICIENTS.size
        self.count = 0
        self._sum = np.zeros(TMK_DIMENSION, np.float64)
        self._cos = np.zeros((p, c, TMK_DIMENSION), np.float64)
        self._sin = np.zeros((p, c, TMK_DIMENSION), np.float64)

    def add(self, features: np.ndarray) -> None:
        """Ingest (n, 256) features of the next n resampled frames."""
        features = np.asarray(features, np.float32)
        if features.ndim != 2 or features.shape[1] != TMK_DIMENSION:
            raise ValueError(f"expected (n, {TMK_DIMENSION}) features, got {features.shape}")
        for start in range(0, features.shape[0], _CHUNK):
            self._add_chunk(features[start : start + _CHUNK])

    def _add_chunk(self, features: np.ndarray) -> None:
        n = features.shape[0]
        self._sum += features.astype(np.float64).sum(axis=0)
        norms = np.linalg.norm(features.astype(np.float64), axis=1, keepdims=True)
        unit = np.divide(features, norms, out=np.zeros(features.shape), where=norms > 0)
        t = np.arange(self.count, self.count + n, dtype=np.float64)
        j = np.arange(REFERENCE_COEFFICIENTS.size, dtype=np.float64)
        for i, period in enumerate(REFERENCE_PERIODS):
            angles = 2.0 * np.pi * np.outer(j, t) / period  # (C, n)
            self._cos[i] += np.einsum("cn,nd->cd", np.cos(angles), unit)
            sines = np.sin(angles)
            sines[0] = 0.0  # the reference never adds into the coefficient-0 sine sums
            self._sin[i] += np.einsum("cn,nd->cd", sines, unit)
        self.count += n

    def finish(self) -> TmkFeatures:
        """The feature vectors, as the reference writes them; ValueError with no frames."""
        if self.count == 0:
            raise ValueError("no frames")
        scale = np.sqrt(REFERENCE_COEFFICIENTS.astype(np.float64))[None, :, None]
        return TmkFeatures(
            frames_per_second=REFERENCE_FPS,
            frame_count=self.count,
            periods=REFERENCE_PERIODS,
            coefficients=REFERENCE_COEFFICIENTS.copy(),
            pure_average=(self._sum / self.count).astype(np.float32),
            cos=(_unit_rows(self._cos) * scale).astype(np.float32),
            sin=(_unit_rows(self._sin) * scale).astype(np.float32),
        )


def _unit_rows(sums: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(sums, axis=2, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)


def resampled_frames(path: str | Path, batch: int = 256) -> Iterator[np.ndarray]:
    """The video's frames at 15 fps, 64×64 RGB, in (≤ batch, 64, 64, 3) uint8 arrays.

    Raises HashingError if the file has no video stream or cannot be decoded."""
    import av  # PyAV loads FFmpeg's libraries: only when a video is hashed

    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                raise HashingError("no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            graph = av.filter.Graph()
            chain = [
                graph.add_buffer(template=stream),
                graph.add("scale", f"{FRAME_SIDE}:{FRAME_SIDE}:flags=bicubic"),
                graph.add("format", "rgb24"),
                graph.add("buffersink"),
            ]
            for upstream, downstream in itertools.pairwise(chain):
                upstream.link_to(downstream)
            graph.configure()
            rate = stream.guessed_rate or stream.average_rate or stream.base_rate
            start = (container.start_time or 0) / 1_000_000  # microseconds
            timed = (
                (float(frame.pts * frame.time_base) - start, _duration(frame), frame)
                for frame in _filtered(graph, container.decode(stream))
                if frame.pts is not None
            )
            pending: list[np.ndarray] = []
            for frame in CfrResampler(REFERENCE_FPS).expand(timed, float(rate or 0)):
                pending.append(frame.to_ndarray(format="rgb24"))
                if len(pending) >= batch:
                    yield np.stack(pending)
                    pending = []
            if pending:
                yield np.stack(pending)
    except HashingError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as error:
        raise HashingError(f"cannot decode video: {error}") from error


def _filtered(graph, frames: Iterable) -> Iterator:
    import av

    def drain() -> Iterator:
        while True:
            try:
                yield graph.pull()
            except (BlockingIOError, av.error.EOFError):
                return

    for frame in frames:
        graph.push(frame)
        yield from drain()
    graph.push(None)  # end of stream: the fps filter hands out what it still holds
    yield from drain()


def _duration(frame) -> float | None:
    duration = getattr(frame, "duration", None)
    return float(duration * frame.time_base) if duration else None


def hash_video_tmk(path: str | Path) -> TmkFeatures:
    """The TMK+PDQF feature vectors of a video file; HashingError if it cannot be hashed."""
    accumulator = TmkAccumulator()
    for rgb in resampled_frames(path):
        accumulator.add(pdqf_features(rgb))
    if accumulator.count == 0:
        raise HashingError("video has no decodable frames")
    return accumulator.finish()
