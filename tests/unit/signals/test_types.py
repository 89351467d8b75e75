"""Parsing and comparing signal values: every bad input named precisely, and the metric laws."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearinghouse.errors import InvalidInput
from clearinghouse.signals import SignalError, default_registry, hamming_distance

R = default_registry()
PDQ = "a" * 64
FRAME = {"pdq": PDQ, "quality": 80, "timestamp": 0.0}

BAD = [
    # (signal_type, value, quality, field, reason fragment)
    ("pdq", "a" * 63, 80, "value", "expected 64 hex characters, got 63"),
    ("pdq", "a" * 65, 80, "value", "expected 64 hex characters, got 65"),
    ("pdq", "g" + "a" * 63, 80, "value", "not hexadecimal: 'g' at position 0"),
    ("pdq", " " + "a" * 63, 80, "value", "not hexadecimal: ' ' at position 0"),
    ("pdq", 12345, 80, "value", "expected a string of 64 hex characters, got a number"),
    ("pdq", None, 80, "value", "got null"),
    ("pdq", PDQ, None, "quality", "required for pdq"),
    ("pdq", PDQ, 101, "quality", "expected an integer 0–100, got 101"),
    ("pdq", PDQ, -1, "quality", "expected an integer 0–100, got -1"),
    ("pdq", PDQ, 49, "quality", "49 is below the minimum 50 for pdq"),
    ("pdq", PDQ, "80", "quality", "expected an integer 0–100, got str"),
    ("pdq", PDQ, True, "quality", "expected an integer 0–100, got a boolean"),
    ("pdq", PDQ, 80.0, "quality", "expected an integer 0–100, got a number"),
    ("phash", "a" * 15, None, "value", "expected 16 hex characters, got 15"),
    ("dhash", "a" * 64, None, "value", "expected 16 hex characters, got 64"),
    ("ahash", "z" * 16, None, "value", "not hexadecimal"),
    ("whash", "a" * 16, 80, "quality", "whash values carry no quality"),
    ("md5", "a" * 31, None, "value", "expected 32 hex characters, got 31"),
    ("sha256", "a" * 32, None, "value", "expected 64 hex characters, got 32"),
    ("sha256", "A" * 63 + "-", None, "value", "not hexadecimal: '-' at position 63"),
    ("md5", "a" * 32, 50, "quality", "md5 values carry no quality"),
    ("nope", "a" * 16, None, "signal_type", "unknown signal type 'nope'; known: ahash, dhash"),
    ("PDQ", PDQ, 80, "signal_type", "unknown signal type 'PDQ'"),
    (None, PDQ, 80, "signal_type", "unknown signal type None"),
    ("vpdq", [], None, "value", "expected at least one frame, got an empty list"),
    ("vpdq", [FRAME] * 10001, None, "value", "expected at most 10000 frames, got 10001"),
    ("vpdq", PDQ, None, "value", "expected a list of frames, got str"),
    ("vpdq", [FRAME, 3], None, "value[1]", "expected an object with pdq, quality, timestamp"),
    (
        "vpdq",
        [{**FRAME, "pdq": "a" * 63}],
        None,
        "value[0].pdq",
        "expected 64 hex characters, got 63",
    ),
    ("vpdq", [{**FRAME, "quality": 101}], None, "value[0].quality", "expected an integer 0–100"),
    ("vpdq", [{**FRAME, "timestamp": -0.5}], None, "value[0].timestamp", "finite number ≥ 0"),
    ("vpdq", [{**FRAME, "timestamp": float("nan")}], None, "value[0].timestamp", "finite"),
    ("vpdq", [{**FRAME, "timestamp": "1"}], None, "value[0].timestamp", "number of seconds"),
    ("vpdq", [{"pdq": PDQ, "quality": 80}], None, "value[0].timestamp", "missing"),
    ("vpdq", [{**FRAME, "extra": 1}], None, "value[0]", "unknown key 'extra'"),
    ("vpdq", [{**FRAME, "quality": 10}], None, "value", "no frame has quality 50 or more"),
    ("vpdq", [FRAME], 80, "quality", "vpdq values carry no quality"),
]


@pytest.mark.parametrize(("signal_type", "value", "quality", "field", "reason"), BAD)
def test_bad_values_are_refused_naming_the_field(signal_type, value, quality, field, reason):
    with pytest.raises(SignalError) as caught:
        R.parse(signal_type, value, quality)
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.field == field
    assert reason in error.reason
    assert error.detail == f"{field}: {error.reason}"
    assert error.errors == [{"field": field, "reason": error.reason}]


@pytest.mark.parametrize(
    ("signal_type", "value", "quality"),
    [
        ("pdq", "AB" * 32, 50),
        ("pdq", "0" * 64, 100),
        ("phash", "DEADbeef01234567", None),
        ("md5", "D41D8CD98F00B204E9800998ECF8427E", None),
        ("sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", None),
    ],
)
def test_values_are_accepted_in_either_case_and_stored_lowercase(signal_type, value, quality):
    signal = R.parse(signal_type, value, quality)
    assert signal.value == value.lower()
    assert signal.quality == quality
    assert signal.text == value.lower()
    assert signal.to_bytes() == bytes.fromhex(value)


def test_codes_have_the_index_widths():
    assert len(R.parse("pdq", PDQ, 80).to_bytes()) == 32
    assert len(R.parse("phash", "f" * 16).to_bytes()) == 8
    frames = R.parse("vpdq", [FRAME, {**FRAME, "timestamp": 1}]).to_bytes()
    assert len(frames) == 64


def test_vpdq_frames_are_normalised_and_have_a_canonical_text():
    signal = R.parse("vpdq", [{"pdq": "A" * 64, "quality": 90, "timestamp": 2}])
    assert signal.value[0].pdq == "a" * 64
    assert signal.value[0].timestamp == 2.0
    assert signal.text == '[{"pdq":"' + "a" * 64 + '","quality":90,"timestamp":2.0}]'
    assert signal.to_wire() == {
        "signal_type": "vpdq",
        "value": [{"pdq": "a" * 64, "quality": 90, "timestamp": 2.0}],
    }


def test_vpdq_frame_lists_may_hold_dark_frames_if_one_is_good():
    signal = R.parse("vpdq", [{**FRAME, "quality": 0}, FRAME])
    assert [f.quality for f in signal.value] == [0, 80]


def test_index_kinds():
    kinds = {name: (R.get(name).index_kind, R.get(name).nbits) for name in R}
    assert kinds == {
        "ahash": ("hamming", 64),
        "dhash": ("hamming", 64),
        "md5": ("exact", 128),
        "pdq": ("hamming", 256),
        "phash": ("hamming", 64),
        "sha256": ("exact", 256),
        "sha512": ("exact", 512),
        "tmk": ("tmk", 8192),
        "vpdq": ("vpdq", 256),
        "whash": ("hamming", 64),
    }


# -- properties -----------------------------------------------------------------------

hex64 = st.text(alphabet="0123456789abcdefABCDEF", min_size=64, max_size=64)
hex16 = st.text(alphabet="0123456789abcdefABCDEF", min_size=16, max_size=16)


@given(hex64, st.integers(50, 100))
def test_pdq_parse_round_trips(value, quality):
    signal = R.parse("pdq", value, quality)
    again = R.parse("pdq", signal.to_wire()["value"], signal.to_wire()["quality"])
    assert again == signal
    assert signal.value == value.lower()
    assert bytes.fromhex(signal.value) == signal.to_bytes()


@given(st.sampled_from(["phash", "dhash", "ahash", "whash"]), hex16)
def test_64_bit_parse_round_trips(name, value):
    signal = R.parse(name, value)
    assert R.parse(name, signal.value.upper()) == signal
    assert R.parse(name, signal.to_bytes().hex()) == signal


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "pdq": hex64,
                "quality": st.integers(50, 100),
                "timestamp": st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_vpdq_parse_round_trips(frames):
    signal = R.parse("vpdq", frames)
    assert R.parse("vpdq", signal.to_wire()["value"]) == signal


@given(hex64, hex64, hex64)
def test_pdq_distance_is_a_metric(a, b, c):
    t = R.get("pdq")
    x, y, z = (R.parse("pdq", v, 90) for v in (a, b, c))
    assert t.distance(x, y) == t.distance(y, x)
    assert (t.distance(x, y) == 0) == (x.value == y.value)
    assert t.distance(x, z) <= t.distance(x, y) + t.distance(y, z)
    assert 0 <= t.distance(x, y) <= 256


@given(hex16, hex16, hex16)
def test_64_bit_distance_is_a_metric_and_matches_bit_counting(a, b, c):
    t = R.get("phash")
    x, y, z = (R.parse("phash", v) for v in (a, b, c))
    assert t.distance(x, y) == t.distance(y, x)
    assert t.distance(x, z) <= t.distance(x, y) + t.distance(y, z)
    # slow twin: count differing bits hex digit by hex digit
    bits = sum(
        bin(int(p, 16) ^ int(q, 16)).count("1") for p, q in zip(x.value, y.value, strict=True)
    )
    assert t.distance(x, y) == bits


@given(st.sampled_from(["md5", "sha256"]), st.data())
def test_exact_distance_is_the_discrete_metric(name, data):
    width = 32 if name == "md5" else 64
    values = [
        data.draw(st.text(alphabet="0123456789abcdef", min_size=width, max_size=width))
        for _ in range(3)
    ]
    t = R.get(name)
    x, y, z = (R.parse(name, v) for v in values)
    assert t.distance(x, y) == t.distance(y, x) == (0 if x == y else 1)
    assert t.distance(x, z) <= t.distance(x, y) + t.distance(y, z)


def test_hamming_distance_refuses_different_widths():
    with pytest.raises(ValueError, match="differ in length"):
        hamming_distance("ab", "abcd")
