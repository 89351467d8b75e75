"""Signal types: parse, validate and compare hashes; labels; hashing of files (``.hashing``).

Pure Python and numpy: no Flask, SQLAlchemy or faiss. Nothing is loaded at import time;
the hashing subpackage pulls in Pillow, imagehash and PyAV only when used.
"""

from clearinghouse.signals.dihedral import DIHEDRAL_NAMES, dihedral_variants
from clearinghouse.signals.errors import SignalError
from clearinghouse.signals.hexcodes import hamming_distance, parse_hex
from clearinghouse.signals.items import ItemErrors, parse_items
from clearinghouse.signals.registry import (
    DEFAULT_MAX_DISTANCES,
    MAX_DISTANCE_CEILINGS,
    SignalRegistry,
    build_registry,
    default_registry,
    registry_from_settings,
)
from clearinghouse.signals.taxonomy import Taxonomy, default_taxonomy, load_taxonomy
from clearinghouse.signals.types import ExactType, HammingType, Signal, SignalType, VpdqType
from clearinghouse.signals.vpdq import VpdqComparison, VpdqFrame, compare_videos

__all__ = [
    "DEFAULT_MAX_DISTANCES",
    "DIHEDRAL_NAMES",
    "MAX_DISTANCE_CEILINGS",
    "ExactType",
    "HammingType",
    "ItemErrors",
    "Signal",
    "SignalError",
    "SignalRegistry",
    "SignalType",
    "Taxonomy",
    "VpdqComparison",
    "VpdqFrame",
    "VpdqType",
    "build_registry",
    "compare_videos",
    "default_registry",
    "default_taxonomy",
    "dihedral_variants",
    "hamming_distance",
    "load_taxonomy",
    "parse_hex",
    "parse_items",
    "registry_from_settings",
]
