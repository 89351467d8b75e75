"""TMK+PDQF video signals: the reference ``.tmk`` file, read and written byte for byte.

The layout is the one ``tmk-hash-video`` (facebook/ThreatExchange ``tmk/cpp``) writes, all
little-endian 32-bit fields:

==========  ==============================  =============================================
offset      field                           reference value
==========  ==============================  =============================================
0           project magic                   ``TMK1``
4           file type magic                 ``FVEC``
8           frame feature algorithm magic   ``PDQF``
12          frames per second               15 (frames are resampled to this rate)
16          number of periods P             4
20          number of Fourier coefficients  32
24          frame feature dimension D       256 (PDQ float: the 16×16 DCT)
28          frame feature count             frames hashed (informational)
32          periods (P int32)               2731, 4391, 9767, 14653
+4P         Fourier coefficients (C f32)    the Poullot coefficients
+4C         pure average feature (D f32)    level 1: mean of the frame features
+4D         cosine features (P×C×D f32)     level 2
+4PCD       sine features (P×C×D f32)       level 2
==========  ==============================  =============================================

Its size does not depend on the video's length: 263,344 bytes for every reference file.
A value is refused unless it has exactly this layout with the reference parameters, so
every indexed value is comparable with every other (the reference's ``areCompatible``),
every number is finite, and each cosine/sine vector has the norm the reference gives it
(``sqrt`` of its coefficient, or 0); the refusal names the field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from clearinghouse.signals.errors import SignalError
from clearinghouse.wire import b64decode, b64encode

__all__ = [
    "REFERENCE_COEFFICIENTS",
    "REFERENCE_FPS",
    "REFERENCE_PERIODS",
    "TMK_DIMENSION",
    "TMK_FILE_BYTES",
    "TMK_HEADER_BYTES",
    "TmkFeatures",
    "parse_tmk_value",
    "read_tmk",
]

TMK_HEADER_BYTES = 32
TMK_DIMENSION = 256
REFERENCE_FPS = 15
REFERENCE_PERIODS = (2731, 4391, 9767, 14653)
# TMKFeatureVectors::makePoullotFourierCoefficients, as the float32s the files hold.
REFERENCE_COEFFICIENTS = np.array(
    [
        0.0708041893112, 0.13937789309, 0.132897260304, 0.122765735552, 0.109878684888,
        0.09529606433, 0.0800986647852, 0.0652590650356, 0.0515478238322, 0.0394851531195,
        0.0293374252025, 0.0211492623679, 0.0147973073245, 0.0100512818746, 0.0066306408014,
        0.00424947117334, 0.0026467615764, 0.00160270959695, 0.000943882629639,
        0.000540841638603, 0.000301633183798, 0.000163800158855, 8.66454753015e-05,
        4.46626303151e-05, 2.24429442235e-05, 1.09982139799e-05, 5.25823487999e-06,
        2.45358229988e-06, 1.11781474895e-06, 4.97406489221e-07, 2.16265487234e-07,
        9.19087006565e-08,
    ],
    dtype=np.float32,
)  # fmt: skip
REFERENCE_COEFFICIENTS.flags.writeable = False
_P, _C, _D = len(REFERENCE_PERIODS), REFERENCE_COEFFICIENTS.size, TMK_DIMENSION
TMK_FILE_BYTES = TMK_HEADER_BYTES + 4 * (_P + _C + _D + 2 * _P * _C * _D)
_NORM_TOLERANCE = 1e-3  # relative: float32 sums over thousands of frames drift a little


@dataclass(frozen=True, eq=False)
class TmkFeatures:
    """One video's TMK+PDQF feature vectors, as the reference ``TMKFeatureVectors`` holds them.

    ``cos`` and ``sin`` are float32 arrays (periods, coefficients, dimension); equality and
    hashing go by the file bytes.
    """

    frames_per_second: int
    frame_count: int
    periods: tuple[int, ...]
    coefficients: np.ndarray
    pure_average: np.ndarray
    cos: np.ndarray
    sin: np.ndarray
    _raw: bytes | None = field(default=None, repr=False, compare=False)

    def to_bytes(self) -> bytes:
        """The ``.tmk`` file bytes, exactly as the reference writes them."""
        if self._raw is not None:
            return self._raw
        p, c, d = self.cos.shape
        header = (
            b"TMK1FVECPDQF"
            + np.array([self.frames_per_second, p, c, d, self.frame_count], "<i4").tobytes()
        )
        return b"".join(
            (
                header,
                np.asarray(self.periods, "<i4").tobytes(),
                np.asarray(self.coefficients, "<f4").tobytes(),
                np.asarray(self.pure_average, "<f4").tobytes(),
                np.asarray(self.cos, "<f4").tobytes(),
                np.asarray(self.sin, "<f4").tobytes(),
            )
        )

    @property
    def text(self) -> str:
        """The wire value: standard padded base64 of the file bytes."""
        return b64encode(self.to_bytes())

    @functools.cached_property
    def level1_vector(self) -> np.ndarray:
        """The pure average feature scaled to unit length (zero stays zero), float32."""
        v = self.pure_average.astype(np.float32)
        norm = float(np.linalg.norm(v.astype(np.float64)))
        return v / np.float32(norm) if norm > 0 else v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TmkFeatures) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())


def parse_tmk_value(value: object, field: str = "value") -> TmkFeatures:
    """Read a wire value (base64 of a ``.tmk`` file), or raise SignalError naming the field."""
    if not isinstance(value, str):
        raise SignalError(field, f"expected base64 of a .tmk file, got {type(value).__name__}")
    most = (TMK_FILE_BYTES + 2) // 3 * 4
    if len(value) > most:
        raise SignalError(
            field, f"oversized: {len(value)} characters; a .tmk file is {most} in base64"
        )
    try:
        raw = b64decode(value)
    except ValueError as exc:
        raise SignalError(field, str(exc)) from None
    return read_tmk(raw, field)


def read_tmk(raw: bytes, field: str = "value") -> TmkFeatures:
    """Read and check ``.tmk`` file bytes; SignalError on ``field.<part>`` if they are bad."""
    if len(raw) < TMK_HEADER_BYTES:
        raise SignalError(
            f"{field}.header",
            f"truncated: {len(raw)} bytes; the header alone is {TMK_HEADER_BYTES}",
        )
    for offset, part, expected in (
        (0, "project_magic", b"TMK1"),
        (4, "file_type", b"FVEC"),
        (8, "algorithm", b"PDQF"),
    ):
        got = raw[offset : offset + 4]
        if got != expected:
            raise SignalError(f"{field}.{part}", f"expected {expected!r}, got {got!r}")
    fps, p, c, d, count = (int(x) for x in np.frombuffer(raw, "<i4", 5, 12))
    for part, got, expected in (
        ("frames_per_second", fps, REFERENCE_FPS),
        ("periods", p, _P),
        ("fourier_coefficients", c, _C),
        ("frame_feature_dimension", d, _D),
    ):
        if got != expected:
            what = "count" if part in ("periods", "fourier_coefficients") else "value"
            raise SignalError(
                f"{field}.{part}", f"{what} {got}; the reference (and this server) uses {expected}"
            )
    if count < 1:
        raise SignalError(f"{field}.frame_feature_count", f"{count}; expected at least 1 frame")
    if len(raw) != TMK_FILE_BYTES:
        state = "truncated" if len(raw) < TMK_FILE_BYTES else "oversized"
        raise SignalError(
            field, f"{state}: {len(raw)} bytes; a file with this header has {TMK_FILE_BYTES}"
        )
    at = TMK_HEADER_BYTES
    periods = tuple(int(x) for x in np.frombuffer(raw, "<i4", p, at))
    at += 4 * p
    if periods != REFERENCE_PERIODS:
        expected = list(REFERENCE_PERIODS)
        raise SignalError(f"{field}.periods", f"{list(periods)}; expected {expected}")
    coefficients = np.frombuffer(raw, "<f4", c, at)
    at += 4 * c
    if not np.allclose(coefficients, REFERENCE_COEFFICIENTS, rtol=1e-6, atol=0):
        raise SignalError(f"{field}.fourier_coefficients", "not the reference coefficients")
    pure = np.frombuffer(raw, "<f4", d, at)
    at += 4 * d
    cos = np.frombuffer(raw, "<f4", p * c * d, at).reshape(p, c, d)
    at += 4 * p * c * d
    sin = np.frombuffer(raw, "<f4", p * c * d, at).reshape(p, c, d)
    for part, array in (("pure_average", pure), ("cos_features", cos), ("sin_features", sin)):
        if not np.isfinite(array).all():
            raise SignalError(f"{field}.{part}", "holds a NaN or an infinity")
    if np.any(sin[:, 0, :]):
        raise SignalError(f"{field}.sin_features", "the coefficient-0 sine vectors must be zero")
    _check_norms(f"{field}.cos_features", cos, coefficients)
    _check_norms(f"{field}.sin_features", sin, coefficients)
    return TmkFeatures(fps, count, periods, coefficients, pure, cos, sin, bytes(raw))


def _check_norms(part: str, features: np.ndarray, coefficients: np.ndarray) -> None:
    """Each (period, coefficient) vector has norm sqrt(coefficient), or is zero."""
    norms = np.linalg.norm(features.astype(np.float64), axis=2)
    expected = np.sqrt(coefficients.astype(np.float64))[np.newaxis, :]
    good = (norms == 0) | (np.abs(norms - expected) <= _NORM_TOLERANCE * expected)
    if not good.all():
        i, j = (int(x) for x in np.argwhere(~good)[0])
        raise SignalError(
            part,
            f"inconsistent: vector [{i}][{j}] has norm {norms[i, j]:.6g}, "
            f"expected {expected[0, j]:.6g} (or 0)",
        )
