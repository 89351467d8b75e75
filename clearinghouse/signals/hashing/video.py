"""vPDQ hashing of videos: one PDQ hash per sampled frame, decoded with PyAV.

This follows the reference vPDQ hasher: frames are counted in decoding order from 0;
every frame whose number is a multiple of ``int(seconds_per_hash × frame rate)`` (at
least 1) is converted to RGB at full size and PDQ-hashed; its timestamp is its number
divided by the frame rate (the stream's average rate, else its base rate). PyAV ships
FFmpeg inside its wheels, so nothing needs installing beside pip. docs/signals.md
compares these hashes with the reference package's on the same videos.
"""

from __future__ import annotations

from pathlib import Path

from clearinghouse.signals.hashing.errors import HashingError
from clearinghouse.signals.hashing.pdq import pdq_hash
from clearinghouse.signals.vpdq import VpdqFrame
from clearinghouse.wire import VPDQ_FRAMES_LIMIT

__all__ = ["hash_video"]


def hash_video(
    path: str | Path,
    *,
    seconds_per_hash: float = 1.0,
    max_frames: int = VPDQ_FRAMES_LIMIT,
) -> list[VpdqFrame]:
    """The vPDQ frames of a video file; raise HashingError if it cannot be decoded."""
    import av  # PyAV loads FFmpeg's libraries: only when a video is hashed

    frames: list[VpdqFrame] = []
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                raise HashingError("no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = stream.average_rate or stream.base_rate or stream.guessed_rate
            fps = float(rate) if rate else 0.0
            if fps <= 0:
                raise HashingError("video frame rate is zero or unknown")
            every = max(1, int(seconds_per_hash * fps))
            for number, frame in enumerate(container.decode(stream)):
                if number % every:
                    continue
                if len(frames) >= max_frames:
                    raise HashingError(
                        f"more than {max_frames} sampled frames; raise vpdq max_frames"
                    )
                value, quality = pdq_hash(frame.to_ndarray(format="rgb24"))
                frames.append(VpdqFrame(value, quality, round(number / fps, 6)))
    except HashingError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as error:
        raise HashingError(f"cannot decode video: {error}") from error
    if not frames:
        raise HashingError("video has no decodable frames")
    return frames
