"""Constant-frame-rate resampling as ``ffmpeg -r 15`` does it, for the TMK hasher.

The reference ``tmk-hash-video`` reads frames from ``ffmpeg … -f rawvideo -r 15``: FFmpeg's
command line (5.x, ``-vsync cfr``, the default for raw output) decides for each decoded
frame how many times it goes out — 0 (dropped), 1, or more (duplicated) — from how far
its time runs ahead of or behind the output clock. The ``fps`` filter rounds differently
(it picks even frames of a 30 fps video where the command line picks the first four,
then odd ones), which costs a TMK score up to 0.02, so this module follows the command
line's rule (``do_video_out`` in fftools/ffmpeg.c) instead:

- ``t`` is the frame's time in output frames (seconds × 15, from the container's start,
  nudged by 2⁻¹⁷ off exact midpoints as FFmpeg does), ``d`` its duration in output
  frames (its own duration rounded to whole output frames when that is > 0, else
  ``15 / frame rate`` capped at 1), ``n`` the output frames written so far;
- ``δ₀ = t − n`` and ``δ = δ₀ + d``; a frame starting before the clock but ending after
  it is clipped to start at the clock;
- it is written 0 times when ``δ < −1.1``, ``round(δ)`` times when ``δ > 1.1`` (the first
  ``round(δ₀ − 0.6)`` of them copies of the previous frame when ``δ₀ > 1.1``), else once;
- at the end, the previous frame is repeated the median of the last three such counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["CfrResampler"]

_NUDGE = 1.0 / (1 << 17)


def _round(x: float) -> int:
    """C's lrintf: round half to even."""
    return round(x)


@dataclass
class CfrResampler:
    """Tells, frame by frame, which decoded frames the output stream is made of."""

    fps: int = 15
    written: int = 0
    _last_nb0: list[int] = field(default_factory=lambda: [0, 0, 0])

    def counts(self, seconds: float, duration: float | None, stream_fps: float) -> tuple[int, int]:
        """For a frame at ``seconds`` (from the start) lasting ``duration`` seconds (None if
        unknown) in a stream of ``stream_fps``: (copies of the previous frame, then copies
        of this frame) to write."""
        t = seconds * self.fps
        t += _NUDGE if t > 0 else -_NUDGE if t < 0 else 0.0
        d = min(self.fps / stream_fps, 1.0) if stream_fps > 0 else 1.0
        if duration is not None and _round(duration * self.fps) > 0:
            d = float(_round(duration * self.fps))
        delta0 = t - self.written
        delta = delta0 + d
        if delta0 < 0 < delta:
            d += delta0
            delta0 = 0.0
        nb, nb0 = 1, 0
        if delta < -1.1:
            nb = 0
        elif delta > 1.1:
            nb = _round(delta)
            if delta0 > 1.1:
                nb0 = _round(delta0 - 0.6)
        nb0 = min(nb0, nb)
        self._last_nb0 = [nb0, *self._last_nb0[:2]]
        self.written += nb
        return nb0, nb - nb0

    def final_copies(self) -> int:
        """Copies of the last frame written when the stream ends."""
        copies = sorted(self._last_nb0)[1]
        self.written += copies
        return copies

    def expand(self, frames: Iterator[tuple[float, float | None, object]], stream_fps: float):
        """Yield the output stream from (seconds, duration, frame) triples."""
        previous = None
        for seconds, duration, frame in frames:
            before, now = self.counts(seconds, duration, stream_fps)
            for _ in range(before):
                yield frame if previous is None else previous  # FFmpeg has no previous yet
            for _ in range(now):
                yield frame
            previous = frame
        if previous is not None:
            for _ in range(self.final_copies()):
                yield previous
