"""``clearinghouse hash`` end to end on real files: photographs, a video, a PDF, a broken JPEG."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import av
import imagehash
import numpy as np
import pdqhash
import pytest
from click.testing import CliRunner
from PIL import Image

from clearinghouse.cli.hashing import hash_cmd
from clearinghouse.signals import default_registry
from clearinghouse.signals.hashing import pdq_hash

VECTORS = Path(__file__).parents[2] / "vectors" / "signals"
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera")
TINY_PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""


def _photo(name: str) -> np.ndarray:
    from skimage import data

    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[:, :, :3])


def _make_video(path: Path, seconds: int = 3, fps: int = 10) -> None:
    """A small panning video made from a photograph, encoded with PyAV."""
    still = Image.fromarray(_photo("coffee")).resize((160, 120))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(seconds * fps):
            frame = np.ascontiguousarray(np.roll(np.asarray(still), 3 * i, axis=1))
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("media")
    for i, name in enumerate(PHOTOS):
        fmt, suffix = ("PNG", "png") if i % 2 else ("JPEG", "jpg")
        Image.fromarray(_photo(name)).save(root / f"{name}.{suffix}", fmt)
    good = (root / "astronaut.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (root / "report.pdf").write_bytes(TINY_PDF)
    _make_video(root / "pan.mp4")
    nested = root / "nested"
    nested.mkdir()
    shutil.copy(VECTORS / "vpdq-clip.mp4", nested / "clip.mp4")
    return root


def _run(*args: str):
    result = CliRunner().invoke(hash_cmd, list(args), catch_exceptions=False)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return result, lines


def _by_path(lines):
    out: dict[str, dict[str, dict]] = {}
    for line in lines:
        out.setdefault(Path(line["path"]).name, {})[line.get("signal_type", "error")] = line
    return out


@pytest.fixture(scope="module")
def hashed(folder):
    result, lines = _run(str(folder), "--recursive", "--jobs", "2")
    return result, lines


def test_a_broken_file_fails_the_run_but_not_the_others(hashed):
    result, lines = hashed
    assert result.exit_code == 1
    errors = [line for line in lines if "error" in line]
    assert len(errors) == 1
    assert Path(errors[0]["path"]).name == "truncated.jpg"
    assert "truncated" in errors[0]["error"]
    names = set(_by_path(lines))
    assert {f"{n}.{'png' if i % 2 else 'jpg'}" for i, n in enumerate(PHOTOS)} <= names
    assert {"report.pdf", "pan.mp4", "clip.mp4"} <= names


def test_photographs_get_the_reference_pdq_and_imagehash_values(folder, hashed):
    _, lines = hashed
    found = _by_path(lines)
    for i, name in enumerate(PHOTOS):
        filename = f"{name}.{'png' if i % 2 else 'jpg'}"
        signals = found[filename]
        assert set(signals) == {
            "pdq",
            "phash",
            "dhash",
            "ahash",
            "whash",
            "md5",
            "sha256",
            "sha512",
        }
        image = Image.open(folder / filename).convert("RGB")
        vector, quality = pdqhash.compute(np.asarray(image))
        assert signals["pdq"]["value"] == np.packbits(vector.astype(np.uint8)).tobytes().hex()
        assert abs(signals["pdq"]["quality"] - quality) <= 1
        assert signals["phash"]["value"] == str(imagehash.phash(Image.open(folder / filename)))
        assert signals["dhash"]["value"] == str(imagehash.dhash(image))
        assert signals["ahash"]["value"] == str(imagehash.average_hash(image))
        assert signals["whash"]["value"] == str(imagehash.whash(image))
        data = (folder / filename).read_bytes()
        assert signals["md5"]["value"] == hashlib.md5(data).hexdigest()
        assert signals["sha256"]["value"] == hashlib.sha256(data).hexdigest()
        assert signals["sha512"]["value"] == hashlib.sha512(data).hexdigest()
        assert signals["pdq"]["content_type"] == ("image/png" if i % 2 else "image/jpeg")
        assert "quality" not in signals["phash"]


def test_every_line_is_a_valid_signal_for_the_server(hashed):
    _, lines = hashed
    registry = default_registry()
    for line in lines:
        if "error" not in line:
            registry.parse(line["signal_type"], line["value"], line.get("quality"))


def test_the_pdf_gets_digests_only(hashed):
    _, lines = hashed
    pdf = _by_path(lines)["report.pdf"]
    assert set(pdf) == {"md5", "sha256", "sha512"}
    assert pdf["md5"]["value"] == hashlib.md5(TINY_PDF).hexdigest()
    assert pdf["md5"]["content_type"] == "application/pdf"


def test_a_video_gets_one_pdq_frame_per_second(folder, hashed):
    _, lines = hashed
    video = _by_path(lines)["pan.mp4"]
    assert set(video) == {"vpdq", "tmk", "md5", "sha256", "sha512"}
    frames = video["vpdq"]["value"]
    assert [f["timestamp"] for f in frames] == [0.0, 1.0, 2.0]
    with av.open(str(folder / "pan.mp4")) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert [f["pdq"] for f in frames] == [pdq_hash(decoded[i])[0] for i in (0, 10, 20)]
    assert video["vpdq"]["content_type"] == "video/mp4"
    data = (folder / "pan.mp4").read_bytes()
    assert video["sha512"]["value"] == hashlib.sha512(data).hexdigest()
    assert video["tmk"]["content_type"] == "video/mp4"


def test_video_frames_equal_the_reference_vpdq_package(hashed):
    _, lines = hashed
    ours = _by_path(lines)["clip.mp4"]["vpdq"]["value"]
    reference = json.loads((VECTORS / "vpdq-clip.reference.json").read_text())
    assert [(f["pdq"], f["quality"], f["timestamp"]) for f in ours] == [
        (f["pdq"], f["quality"], f["timestamp"]) for f in reference
    ]


def test_one_worker_and_many_give_the_same_lines(folder, hashed):
    _, parallel = hashed
    result, serial = _run(str(folder), "-r", "--jobs", "1")
    assert result.exit_code == 1
    assert serial == parallel


def test_types_limit_the_output_and_directories_need_recursive_for_depth(folder):
    result, lines = _run(str(folder), "--types", "PDQ, md5", "--jobs", "1")
    assert result.exit_code == 1
    assert {line.get("signal_type") for line in lines} == {"pdq", "md5", None}
    assert "clip.mp4" not in _by_path(lines)  # nested/ is skipped without --recursive


def test_a_file_with_none_of_the_requested_types_is_an_error(folder):
    result, lines = _run(str(folder / "report.pdf"), "--types", "pdq")
    assert result.exit_code == 1
    assert lines == [
        {
            "path": str(folder / "report.pdf"),
            "error": "application/pdf yields none of the requested types (pdq)",
        }
    ]


def test_missing_paths_are_errors_and_good_ones_still_hashed(folder, tmp_path):
    result, lines = _run(str(tmp_path / "missing.jpg"), str(folder / "report.pdf"))
    assert result.exit_code == 1
    assert lines[0]["path"].endswith("missing.jpg")
    assert "cannot read file" in lines[0]["error"]
    assert [line["signal_type"] for line in lines[1:]] == ["md5", "sha256", "sha512"]


def test_success_exits_zero(folder):
    result, lines = _run(str(folder / "chelsea.png"), "--types", "sha256")
    assert result.exit_code == 0
    assert len(lines) == 1


def test_unknown_types_are_a_usage_error(folder):
    result = CliRunner().invoke(hash_cmd, [str(folder), "--types", "pdq,tlsh"])
    assert result.exit_code == 2
    assert "unknown signal type 'tlsh'" in result.stderr


def test_progress_goes_to_stderr_only(folder):
    result = CliRunner().invoke(hash_cmd, [str(folder), "--progress", "--types", "md5", "-j", "1"])
    assert "file" in result.stderr  # the bar
    for line in result.stdout.splitlines():
        json.loads(line)
