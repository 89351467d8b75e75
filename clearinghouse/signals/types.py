"""Signal types: how each kind of hash is parsed, compared and indexed (DESIGN §3.1).

A ``SignalType`` is a small immutable description; the registry holds one per name,
built from settings. Parsing returns a ``Signal`` whose value is normalised (lowercase
hex, or a tuple of vPDQ frames), so equal signals compare and store equal.

Each type also owns the forms its values take elsewhere — in its index
(``index_value``, ``stored_index_value``), in the state columns (``value_bytes``), on the
wire from the stored text (``wire_value``) and in a lookup (``query_forms``,
``check_query``) — so no code outside ``signals/`` and ``index/`` asks a type's name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clearinghouse.signals.dihedral import dihedral_variants
from clearinghouse.signals.errors import SignalError
from clearinghouse.signals.hexcodes import _kind, hamming_distance, parse_hex
from clearinghouse.signals.tmk import TmkFeatures, parse_tmk_value, read_tmk
from clearinghouse.signals.vpdq import (
    VpdqComparison,
    VpdqFrame,
    compare_videos,
    frames_text,
    parse_frames,
)
from clearinghouse.wire import VPDQ_FRAMES_LIMIT, VPDQ_QUERY_FRAMES_LIMIT, b64decode

__all__ = [
    "DIHEDRAL_FORMS",
    "ExactType",
    "HammingType",
    "Signal",
    "SignalType",
    "TmkType",
    "VpdqType",
]

DIHEDRAL_FORMS = 8  # the rotations and mirrors of a square image, the identity included


@dataclass(frozen=True, slots=True)
class Signal:
    """One parsed hash: ``value`` is lowercase hex, a tuple of frames for ``vpdq``, or the
    feature vectors of a ``.tmk`` file for ``tmk``."""

    signal_type: str
    value: str | tuple[VpdqFrame, ...] | TmkFeatures
    quality: int | None = None

    @property
    def text(self) -> str:
        """The canonical text of the value: the hex itself, compact JSON of the frames, or
        base64 of the ``.tmk`` file."""
        if isinstance(self.value, TmkFeatures):
            return self.value.text
        return self.value if isinstance(self.value, str) else frames_text(self.value)

    def to_bytes(self) -> bytes:
        """The raw code: 32 bytes for PDQ, 8 for 64-bit types, frames concatenated, the
        ``.tmk`` file bytes."""
        if isinstance(self.value, TmkFeatures):
            return self.value.to_bytes()
        if isinstance(self.value, str):
            return bytes.fromhex(self.value)
        return b"".join(frame.to_bytes() for frame in self.value)

    def to_wire(self) -> dict[str, object]:
        """The signal as it appears in JSON: ``signal_type``, ``value`` and ``quality`` if any."""
        wire: dict[str, object] = {"signal_type": self.signal_type}
        if isinstance(self.value, TmkFeatures):
            wire["value"] = self.value.text
        else:
            wire["value"] = (
                self.value if isinstance(self.value, str) else [f.to_wire() for f in self.value]
            )
        if self.quality is not None:
            wire["quality"] = self.quality
        return wire


@dataclass(frozen=True, slots=True)
class SignalType:
    """What every signal type knows: its name, index kind and ``max_distance`` bounds."""

    name: str
    index_kind: str  # "hamming", "exact", "vpdq" or "tmk": which kind of index serves it
    nbits: int  # bits in one code (one frame for vpdq)
    default_max_distance: int
    max_distance_ceiling: int
    # Its signals may come with region codes (PDQs of crops and strips, DESIGN §15),
    # indexed as aliases of the signal and searched beside it.
    has_regions: bool = False

    @property
    def takes_quality(self) -> bool:
        """Whether a submitted value carries a quality (PDQ), checked against a minimum."""
        return False

    @property
    def value_in_matches(self) -> bool:
        """Whether a match repeats the indexed value: a video's frame list is too large to
        (its matches carry their frame shares instead)."""
        return True

    def parse(self, value: object, quality: object = None) -> Signal:
        """Parse and normalise a wire value (and quality), or raise SignalError."""
        raise NotImplementedError

    def resolve_max_distance(self, max_distance: object = None) -> int:
        """The ``max_distance`` to use: default if absent; refused if < 0 or above the ceiling."""
        if max_distance is None:
            return self.default_max_distance
        if isinstance(max_distance, str) and max_distance.isascii() and max_distance.isdigit():
            max_distance = int(max_distance)  # query strings carry numbers as text
        if isinstance(max_distance, bool) or not isinstance(max_distance, int):
            raise SignalError(
                "max_distance", f"expected a non-negative integer, got {max_distance!r}"
            )
        if max_distance < 0:
            raise SignalError(
                "max_distance", f"expected a non-negative integer, got {max_distance}"
            )
        if max_distance > self.max_distance_ceiling:
            raise SignalError(
                "max_distance",
                f"{max_distance} is above the ceiling {self.max_distance_ceiling} for {self.name}",
            )
        return max_distance

    # -- the forms a value takes beyond the wire ----------------------------------------

    @property
    def value_bytes(self) -> int:
        """Bytes of one value held as a fixed-size code; 0 for values kept as text."""
        return self.nbits // 8

    def index_value(self, signal: Signal) -> object:
        """A parsed signal's value in the form its index takes (``SignalIndex.add``)."""
        return signal.to_bytes()

    def stored_index_value(self, text: str) -> object:
        """A stored value (the store's text, ``Signal.text``) in the form its index takes."""
        return bytes.fromhex(text)

    def wire_value(self, text: str) -> object:
        """A stored value as the wire shows it (``Signal.to_wire``'s ``value``)."""
        return text

    def query_forms(self, signal: Signal, dihedral: bool = False) -> tuple[Signal, ...]:
        """The signals a lookup of ``signal`` searches for (distinct, the signal first)."""
        return (signal,)

    def check_query(self, signal: Signal) -> None:
        """Raise SignalError when a parsed signal is too large to be looked up."""

    @property
    def closeness(self) -> str:
        """How a match's closeness is told: ``"distance"``, ``"frames"`` (the shares of
        frames matched, vPDQ) or ``"scores"`` (level 1 and level 2, TMK)."""
        return "distance"

    def brief(self, value: object) -> str:
        """A wire value as one line for people: the hex itself, else a placeholder."""
        return value if isinstance(value, str) else f"<{self.name}>"

    def codes_searched(self, signal: Signal, dihedral: bool = False) -> int:
        """How many codes a lookup of ``signal`` searches (the unit of a request's work
        budget): one, eight with ``dihedral`` on a type that has the variants, one per
        frame of a video."""
        return 1

    def _refuse_quality(self, quality: object) -> None:
        if quality is not None:
            raise SignalError("quality", f"{self.name} values carry no quality")


@dataclass(frozen=True, slots=True)
class HammingType(SignalType):
    """A fixed-width perceptual hash compared by Hamming distance (pdq, phash, …)."""

    min_quality: int | None = None  # set for types that carry a quality (pdq)
    dihedral: bool = False  # PDQ: a lookup may also search the 8 rotations and mirrors

    @property
    def hex_chars(self) -> int:
        return self.nbits // 4

    @property
    def takes_quality(self) -> bool:
        return self.min_quality is not None

    def codes_searched(self, signal: Signal, dihedral: bool = False) -> int:
        # Every variant counts, even those equal to another (searched once): the budget
        # is known before the variants are computed.
        return DIHEDRAL_FORMS if dihedral and self.dihedral else 1

    def query_forms(self, signal: Signal, dihedral: bool = False) -> tuple[Signal, ...]:
        """With ``dihedral`` on a type that has them, the distinct dihedral variants."""
        if not (dihedral and self.dihedral):
            return (signal,)
        variants = dict.fromkeys(dihedral_variants(_hex(signal)).values())
        return tuple(Signal(self.name, v, signal.quality) for v in variants)

    def parse(self, value: object, quality: object = None) -> Signal:
        """Parse a hex value; for pdq, also a quality 0–100 at or above the minimum."""
        text = parse_hex(value, self.hex_chars)
        if self.min_quality is None:
            self._refuse_quality(quality)
            return Signal(self.name, text)
        if quality is None:
            raise SignalError("quality", f"required for {self.name}")
        if isinstance(quality, bool) or not isinstance(quality, int):
            raise SignalError("quality", f"expected an integer 0–100, got {_kind(quality)}")
        if not 0 <= quality <= 100:
            raise SignalError("quality", f"expected an integer 0–100, got {quality}")
        if quality < self.min_quality:
            raise SignalError(
                "quality", f"{quality} is below the minimum {self.min_quality} for {self.name}"
            )
        return Signal(self.name, text, quality)

    def distance(self, a: Signal, b: Signal) -> int:
        """Hamming distance between two parsed values of this type."""
        return hamming_distance(_hex(a), _hex(b))


@dataclass(frozen=True, slots=True)
class ExactType(SignalType):
    """A cryptographic digest (md5, sha256): it matches only itself."""

    def parse(self, value: object, quality: object = None) -> Signal:
        """Parse a hex digest of the type's length."""
        self._refuse_quality(quality)
        return Signal(self.name, parse_hex(value, self.nbits // 4))

    def distance(self, a: Signal, b: Signal) -> int:
        """0 for the same digest, 1 otherwise (the discrete metric)."""
        return 0 if _hex(a) == _hex(b) else 1


@dataclass(frozen=True, slots=True)
class VpdqType(SignalType):
    """A video as a list of PDQ frame hashes; ``max_distance`` bounds each frame's distance."""

    min_quality: int = 50
    max_frames: int = VPDQ_FRAMES_LIMIT
    query_match_pct: float = 80.0
    index_match_pct: float = 0.0
    max_query_frames: int = VPDQ_QUERY_FRAMES_LIMIT

    @property
    def value_bytes(self) -> int:
        return 0  # a frame list, kept as its JSON text

    @property
    def value_in_matches(self) -> bool:
        return False  # a match says its frame shares, not the video's whole frame list

    def index_value(self, signal: Signal) -> object:
        """The frames as a (frames, 32) uint8 matrix."""
        return np.frombuffer(signal.to_bytes(), np.uint8).reshape(-1, 32)

    def stored_index_value(self, text: str) -> object:
        return self.index_value(self.parse(json.loads(text)))

    def wire_value(self, text: str) -> object:
        return json.loads(text)

    def codes_searched(self, signal: Signal, dihedral: bool = False) -> int:
        return len(_frames(signal))

    @property
    def closeness(self) -> str:
        return "frames"

    def check_query(self, signal: Signal) -> None:
        frames = len(_frames(signal))
        if frames > self.max_query_frames:
            raise SignalError(
                "value", f"{frames} frames; at most {self.max_query_frames} per vPDQ query"
            )

    def parse(self, value: object, quality: object = None) -> Signal:
        """Parse a non-empty list of at most ``max_frames`` frames."""
        self._refuse_quality(quality)
        frames = parse_frames(value, max_frames=self.max_frames, min_quality=self.min_quality)
        return Signal(self.name, frames)

    def compare(
        self, query: Signal, indexed: Signal, max_distance: int | None = None
    ) -> VpdqComparison:
        """Apply the vPDQ match rule with this type's percentages."""
        return compare_videos(
            _frames(query),
            _frames(indexed),
            max_distance=self.resolve_max_distance(max_distance),
            min_quality=self.min_quality,
            query_match_pct=self.query_match_pct,
            index_match_pct=self.index_match_pct,
        )


@dataclass(frozen=True, slots=True)
class TmkType(SignalType):
    """A video as TMK+PDQF feature vectors (the reference ``.tmk`` file, base64 on the wire).

    Two videos match when the level-1 score (cosine of the average features) and the
    level-2 score (the temporal match kernel) both reach their thresholds. A lookup may
    set its own thresholds, no lower than ``min_threshold``: lower ones would send most
    of the index to the level-2 stage. ``max_distance`` does not apply (it is 0)."""

    level1_threshold: float = 0.7
    level2_threshold: float = 0.7
    min_threshold: float = 0.5

    def parse(self, value: object, quality: object = None) -> Signal:
        """Parse base64 of a reference ``.tmk`` file."""
        self._refuse_quality(quality)
        return Signal(self.name, parse_tmk_value(value))

    @property
    def value_bytes(self) -> int:
        return 0  # a whole .tmk file, kept as its base64 text

    @property
    def closeness(self) -> str:
        return "scores"

    def brief(self, value: object) -> str:
        return f"<.tmk file, {len(str(value)):,} base64 characters>"

    def index_value(self, signal: Signal) -> object:
        """The feature vectors (``TmkFeatures``)."""
        return signal.value

    def stored_index_value(self, text: str) -> object:
        return read_tmk(b64decode(text))

    def resolve_thresholds(
        self, level1: object = None, level2: object = None
    ) -> tuple[float, float]:
        """(level-1, level-2) thresholds of a lookup: the defaults, or the given ones if
        each is a number from ``min_threshold`` to 1."""
        out = []
        for key, given, default in (
            ("level1_threshold", level1, self.level1_threshold),
            ("level2_threshold", level2, self.level2_threshold),
        ):
            if given is None:
                out.append(default)
                continue
            if isinstance(given, str):
                try:
                    given = float(given)  # query strings carry numbers as text
                except ValueError:
                    raise SignalError(key, f"expected a number, got {given!r}") from None
            if isinstance(given, bool) or not isinstance(given, int | float):
                raise SignalError(key, f"expected a number, got {_kind(given)}")
            if not self.min_threshold <= given <= 1:
                raise SignalError(key, f"{given} is outside {self.min_threshold}–1 for {self.name}")
            out.append(float(given))
        return out[0], out[1]


def _hex(signal: Signal) -> str:
    if not isinstance(signal.value, str):
        raise TypeError(f"{signal.signal_type} value is not a hex string")
    return signal.value


def _frames(signal: Signal) -> Sequence[VpdqFrame]:
    if isinstance(signal.value, str):
        raise TypeError(f"{signal.signal_type} value is not a frame list")
    return signal.value
