"""Make the TMK+PDQF reference vectors: short videos from real photographs, the reference
``tmk-hash-video``'s ``.tmk`` of each, and the reference's scores for every pair.

    python tests/vectors/tmk/generate.py --reference DIR [--videos]

DIR holds the reference binaries ``tmk-hash-video`` and ``tmk-two-level-score`` (built by
``build_reference.sh``); ``--videos`` renders the videos anew first (otherwise the ones
committed here are hashed). The videos are made with PyAV (libx264) from scikit-image's
photographs; the variants are made from the decoded original, as a re-uploader would.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import av
import numpy as np
from PIL import Image
from skimage import data

HERE = Path(__file__).resolve().parent
W, H = 320, 240
SECONDS = 8


def _view(image: np.ndarray, cx: float, cy: float, zoom: float) -> np.ndarray:
    """A W×H view of ``image`` centred at (cx, cy) (fractions), ``zoom`` × the fit."""
    picture = Image.fromarray(image[..., :3] if image.ndim == 3 else np.stack([image] * 3, -1))
    fit = min(picture.width / W, picture.height / H) / zoom
    w, h = W * fit, H * fit
    left = min(max(cx * picture.width - w / 2, 0), picture.width - w)
    top = min(max(cy * picture.height - h / 2, 0), picture.height - h)
    box = (left, top, left + w, top + h)
    return np.asarray(picture.resize((W, H), Image.BILINEAR, box=box))


def pan_frames(fps: int = 30) -> Iterable[np.ndarray]:
    """The astronaut photograph, panned left to right while zooming in."""
    image = data.astronaut()
    n = fps * SECONDS
    for k in range(n):
        s = k / (n - 1)
        yield _view(image, 0.3 + 0.4 * s, 0.45, 1.0 + 0.8 * s)


def cut_frames(fps: int = 25) -> Iterable[np.ndarray]:
    """Four photographs, two seconds each with a slow pan, joined by hard cuts."""
    images = [data.chelsea(), data.coffee(), data.rocket(), data.hubble_deep_field()]
    per = fps * SECONDS // len(images)
    for image in images:
        for k in range(per):
            yield _view(image, 0.4 + 0.2 * k / per, 0.5, 1.3)


def fade_frames(fps: int = 24) -> Iterable[np.ndarray]:
    """Three photographs, each cross-fading into the next over one second."""
    images = [
        _view(data.immunohistochemistry(), 0.5, 0.5, 1.0),
        _view(data.retina(), 0.5, 0.5, 1.2),
        _view(data.colorwheel(), 0.5, 0.5, 1.0),
    ]
    n = fps * SECONDS
    for k in range(n):
        t = k / n * (len(images) - 1)
        i = min(int(t), len(images) - 2)
        a = float(np.clip((t - i - 0.5) * 2, 0, 1))  # hold for half the time, then fade
        yield ((1 - a) * images[i] + a * images[i + 1]).astype(np.uint8)


def write_video(path: Path, frames: Iterable[np.ndarray], fps: int, **options: str) -> None:
    """Encode RGB frames as H.264 (yuv420p) at ``fps``; ``options`` go to libx264."""
    frames = iter(frames)
    first = next(frames)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = first.shape[1], first.shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "23", "preset": "medium", **options}
        for frame in (first, *frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _resized(frame: np.ndarray, w: int, h: int) -> np.ndarray:
    return np.asarray(Image.fromarray(frame).resize((w, h), Image.BILINEAR))


def _padded(frame: np.ndarray, w: int, h: int, colour: int) -> np.ndarray:
    """``frame`` scaled to w×h, centred on a W×H canvas of ``colour``."""
    canvas = np.full((H, W, 3), colour, np.uint8)
    top, left = (H - h) // 2, (W - w) // 2
    canvas[top : top + h, left : left + w] = _resized(frame, w, h)
    return canvas


VARIANTS: dict[str, tuple[Callable[[list[np.ndarray]], list[np.ndarray]], dict[str, str]]] = {
    "lowbitrate": (lambda fs: fs, {"crf": "42"}),
    "half": (lambda fs: [_resized(f, W // 2, H // 2) for f in fs], {}),
    "letterbox": (lambda fs: [_padded(f, W, H * 3 // 4, 0) for f in fs], {}),
    "trim2s": (lambda fs: fs[2 * 30 :], {}),
    "border": (lambda fs: [_padded(f, W - 8, H - 8, 255) for f in fs], {}),
}


def render_videos() -> None:
    write_video(HERE / "pan.mp4", pan_frames(30), 30)
    write_video(HERE / "cuts.mp4", cut_frames(25), 25)
    write_video(HERE / "fades.mp4", fade_frames(24), 24)
    original = decoded(HERE / "pan.mp4")
    for name, (change, options) in VARIANTS.items():
        write_video(HERE / f"pan-{name}.mp4", change(original), 30, **options)


def hash_with_reference(reference: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("the reference needs ffmpeg on PATH")
    videos = sorted(HERE.glob("*.mp4"))
    for video in videos:
        subprocess.run(
            [str(reference / "tmk-hash-video"), "-f", ffmpeg, "-i", str(video),
             "-o", str(video.with_suffix(".tmk"))],
            check=True,
            capture_output=True,
        )  # fmt: skip
    tmks = [str(v.with_suffix(".tmk").name) for v in videos]
    out = subprocess.run(
        [str(reference / "tmk-two-level-score"), "--c1", "-1", "--c2", "0", "--include-self",
         *tmks],
        check=True,
        capture_output=True,
        text=True,
        cwd=HERE,
    ).stdout  # fmt: skip
    scores = {}
    for line in out.splitlines():
        s1, s2, a, b = line.split()
        key = "|".join(sorted((Path(a).stem, Path(b).stem)))
        scores[key] = {"level1": float(s1), "level2": float(s2)}
    (HERE / "reference_scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="directory of the binaries")
    parser.add_argument("--videos", action="store_true", help="render the videos anew first")
    args = parser.parse_args()
    if args.videos:
        render_videos()
    hash_with_reference(args.reference)


if __name__ == "__main__":
    main()
