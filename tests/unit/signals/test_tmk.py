"""The .tmk reader and writer and the two scores, against the reference's own files.

The vectors (tests/vectors/tmk/) are the reference ``tmk-hash-video``'s output, and
``reference_scores.json`` the reference ``tmk-two-level-score``'s scores of every pair.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from clearinghouse.errors import ConfigError
from clearinghouse.signals import SignalError, build_registry, default_registry
from clearinghouse.signals.tmk import TMK_FILE_BYTES, parse_tmk_value, read_tmk
from clearinghouse.signals.tmk_scores import level1_score, level2_score

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "tmk"
NAMES = sorted(p.stem for p in VECTORS.glob("*.tmk"))
RAW = {name: (VECTORS / f"{name}.tmk").read_bytes() for name in NAMES}
REFERENCE = json.loads((VECTORS / "reference_scores.json").read_text())


def test_there_are_vectors():
    assert len(NAMES) >= 8 and len(REFERENCE) == len(NAMES) * (len(NAMES) + 1) // 2


@pytest.mark.parametrize("name", NAMES)
def test_reference_files_read_and_write_back_byte_for_byte(name):
    features = read_tmk(RAW[name])
    assert features.to_bytes() == RAW[name]
    rebuilt = dataclasses.replace(features, _raw=None)  # written from the arrays
    assert rebuilt.to_bytes() == RAW[name]
    assert features.frames_per_second == 15 and features.cos.shape == (4, 32, 256)
    assert parse_tmk_value(base64.b64encode(RAW[name]).decode()) == features


@pytest.mark.parametrize("pair", sorted(REFERENCE))
def test_scores_equal_the_reference_for_every_pair(pair):
    a, b = (read_tmk(RAW[n]) for n in pair.split("|"))
    assert level1_score(a, b) == pytest.approx(REFERENCE[pair]["level1"], abs=1e-5)
    assert level2_score(a, b) == pytest.approx(REFERENCE[pair]["level2"], abs=1e-5)


def _direct_level2(a, b) -> float:
    """The kernel straight from its definition: every period, offset and coefficient."""
    best = -math.inf
    c = a.coefficients.astype(np.float64)
    for i, period in enumerate(a.periods):
        dots = {
            key: [float(np.dot(x[i, j].astype(np.float64), y[i, j])) for j in range(c.size)]
            for key, x, y in (
                ("cc", a.cos, b.cos),
                ("ss", a.sin, b.sin),
                ("sc", a.sin, b.cos),
                ("cs", a.cos, b.sin),
            )
        }
        for offset in range(0, period, 7):  # every 7th offset keeps it quick
            delta = 2 * math.pi * offset / period
            k = dots["cc"][0] + sum(
                math.cos(j * delta) * (dots["cc"][j] + dots["ss"][j])
                + math.sin(j * delta) * (dots["sc"][j] - dots["cs"][j])
                for j in range(1, c.size)
            )
            best = max(best, k)
    return best / (c[0] + 2 * c[1:].sum())


def test_level2_is_the_kernel_of_its_definition():
    a, b = read_tmk(RAW["pan"]), read_tmk(RAW["pan-trim2s"])
    # The direct form samples fewer offsets, so it can only be a little lower.
    direct = _direct_level2(a, b)
    assert direct <= level2_score(a, b) + 1e-9
    assert direct == pytest.approx(level2_score(a, b), abs=2e-3)


# -- refusals ------------------------------------------------------------------------


def _patched(offset: int, data: bytes) -> bytes:
    raw = bytearray(RAW["pan"])
    raw[offset : offset + len(data)] = data
    return bytes(raw)


def _scaled_vector(which: int) -> bytes:
    """A cosine (0) or sine (1) vector no longer of the norm its coefficient gives."""
    start = 32 + 4 * (4 + 32 + 256) + which * 4 * 4 * 32 * 256 + 4 * 256 * 3  # [0][3]
    vector = np.frombuffer(RAW["pan"], "<f4", 256, start) * 2
    return _patched(start, vector.astype("<f4").tobytes())


BAD = {
    "empty": (b"", "value.header", "truncated"),
    "header-cut": (RAW["pan"][:20], "value.header", "truncated"),
    "body-cut": (RAW["pan"][:-4], "value", "truncated"),
    "extra-byte": (RAW["pan"] + b"\0", "value", "oversized"),
    "project-magic": (_patched(0, b"TMK2"), "value.project_magic", "TMK1"),
    "file-type": (_patched(4, b"FEAT"), "value.file_type", "FVEC"),
    "algorithm": (_patched(8, b"PDQX"), "value.algorithm", "PDQF"),
    "fps": (_patched(12, struct.pack("<i", 30)), "value.frames_per_second", "15"),
    "period-count": (_patched(16, struct.pack("<i", 5)), "value.periods", "uses 4"),
    "coefficient-count": (
        _patched(20, struct.pack("<i", 64)),
        "value.fourier_coefficients",
        "uses 32",
    ),
    "dimension": (_patched(24, struct.pack("<i", 144)), "value.frame_feature_dimension", "256"),
    "no-frames": (_patched(28, struct.pack("<i", 0)), "value.frame_feature_count", "at least"),
    "periods": (_patched(32, struct.pack("<i", 2730)), "value.periods", "2731"),
    "coefficients": (
        _patched(48, struct.pack("<f", 0.5)),
        "value.fourier_coefficients",
        "not the reference",
    ),
    "nan": (_patched(176, struct.pack("<f", math.nan)), "value.pure_average", "NaN"),
    "inf-in-sine": (
        _patched(TMK_FILE_BYTES - 4, struct.pack("<f", math.inf)),
        "value.sin_features",
        "infinity",
    ),
    "cos-norm": (_scaled_vector(0), "value.cos_features", "inconsistent"),
    "sin-norm": (_scaled_vector(1), "value.sin_features", "inconsistent"),
    "sin-zero-term": (
        _patched(32 + 4 * (4 + 32 + 256) + 4 * 4 * 32 * 256, struct.pack("<f", 1e-3)),
        "value.sin_features",
        "coefficient-0",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_are_refused_naming_the_field(case):
    raw, field, words = BAD[case]
    with pytest.raises(SignalError) as caught:
        read_tmk(raw)
    assert caught.value.field == field
    assert words in caught.value.reason
    text = base64.b64encode(raw).decode()
    with pytest.raises(SignalError) as caught:
        default_registry().parse("tmk", text)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (RAW["pan"], "expected base64"),
        ("not base64!", "not base64"),
        ("A" * (TMK_FILE_BYTES * 2), "oversized"),
        ([1, 2], "expected base64"),
    ],
)
def test_values_that_are_not_base64_of_a_file_are_refused(value, words):
    with pytest.raises(SignalError) as caught:
        default_registry().parse("tmk", value)
    assert caught.value.field == "value" and words in caught.value.reason


# -- the signal type -----------------------------------------------------------------


def test_a_tmk_signal_is_the_file_in_base64_on_the_wire():
    text = base64.b64encode(RAW["pan-half"]).decode()
    signal = default_registry().parse("tmk", text)
    assert signal.text == text and signal.to_bytes() == RAW["pan-half"]
    assert signal.to_wire() == {"signal_type": "tmk", "value": text}
    with pytest.raises(SignalError, match="quality"):
        default_registry().parse("tmk", text, 90)


def test_thresholds_default_to_the_reference_and_stay_within_limits():
    registry = default_registry()
    assert registry.resolve_thresholds("tmk") == (0.7, 0.7)
    assert registry.resolve_thresholds("tmk", 0.9, "0.8") == (0.9, 0.8)
    for bad in (0.49, 1.5, "x", True):
        with pytest.raises(SignalError) as caught:
            registry.resolve_thresholds("tmk", bad)
        assert caught.value.field == "level1_threshold"
    assert registry.resolve_thresholds("pdq") is None
    with pytest.raises(SignalError, match="only tmk"):
        registry.resolve_thresholds("pdq", None, 0.8)
    with pytest.raises(SignalError, match="max_distance"):
        registry.resolve_max_distance("tmk", 3)
    tuned = build_registry(tmk_min_threshold=0.2, tmk_level1_threshold=0.3)
    assert tuned.resolve_thresholds("tmk", 0.25) == (0.25, 0.7)
    with pytest.raises(ConfigError, match="tmk_level2_threshold"):
        build_registry(tmk_level2_threshold=0.4)  # below the minimum


def test_sha512_is_an_exact_type():
    registry = default_registry()
    value = "AB" * 64
    assert registry.parse("sha512", value).text == "ab" * 64
    with pytest.raises(SignalError, match="128 hex"):
        registry.parse("sha512", "ab" * 32)
