"""State rows damaged behind the service's back (DESIGN §11): read without raising, then
told apart from sound ones, so one bad row costs the requests that need it and nothing more.

The log is the record of truth; a signal, contribution or region row is only what the log
implies, and any of them may be edited or lost outside the service. Columns whose driver
would raise on a bad stored value (SQLite keeps times and JSON as text) read through the
tolerant types below, which give ``UNREADABLE`` instead; ``signal_damage`` and
``labels_damage`` say what is wrong with a row, and the readers skip it (lists, pages, the
index load) or answer ``DamagedState`` (a request about that one signal). ``db check``
names every such row and ``db repair`` rewrites it from the log.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator

from clearinghouse.signals.registry import default_registry

__all__ = [
    "STATUSES",
    "UNREADABLE",
    "TolerantDateTime",
    "TolerantJSON",
    "is_time",
    "labels_damage",
    "region_damage",
    "report_skipped",
    "signal_damage",
]

log = logging.getLogger("clearinghouse.store")
STATUSES = frozenset({"active", "retracted"})
REGION_BYTES = 32  # a region is one PDQ


class _Unreadable:
    """The value of a column that does not read as its type (shown as ``<unreadable>``)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE: Any = _Unreadable()


class _Tolerant(TypeDecorator):
    """The column's own type, except that a stored value it cannot read is ``UNREADABLE``."""

    cache_ok = True

    def result_processor(self, dialect, coltype):
        inner = super().result_processor(dialect, coltype)
        if inner is None:
            return None

        def process(value):
            try:
                return inner(value)
            except (ValueError, TypeError):
                return UNREADABLE

        return process


class TolerantDateTime(_Tolerant):
    impl = DateTime(timezone=True)
    cache_ok = True


class TolerantJSON(_Tolerant):
    impl = JSON
    cache_ok = True


def signal_damage(row: Any, *, times: bool = True) -> str | None:
    """What is wrong with a signal row (any object with the Signal columns), or None;
    ``times=False`` when the caller checks the times itself (a page, all at once)."""
    reads = _value_check(row.signal_type)
    if reads is None:
        return "signal_type is not a known type"
    if not isinstance(row.value, str) or not reads(row.value):
        return f"value is not a stored {row.signal_type} value"
    quality = row.quality
    if quality is not None and (isinstance(quality, bool) or not isinstance(quality, int)):
        return "quality is not an integer"
    if quality is not None and not 0 <= quality <= 100:
        return "quality is outside 0-100"
    if row.status not in STATUSES:
        return "status is neither active nor retracted"
    for name in ("first_seen", "last_seen") if times else ():
        if not is_time(getattr(row, name)):
            return f"{name} is not a time"
    if isinstance(row.updated_index, bool) or not isinstance(row.updated_index, int):
        return "updated_index is not an integer"
    return None


def labels_damage(labels: Any) -> str | None:
    """What is wrong with a contribution's stored labels (decoded or as JSON text)."""
    if isinstance(labels, str):
        try:
            labels = json.loads(labels)
        except ValueError:
            return "labels are not JSON"
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        return "labels are not a list of labels"
    return None


def region_damage(code: Any, quality: Any) -> str | None:
    """What is wrong with a stored region row, or None."""
    if not isinstance(code, bytes | bytearray | memoryview) or len(code) != REGION_BYTES:
        return f"code is not {REGION_BYTES} bytes"
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 100:
        return "quality is not an integer 0-100"
    return None


def report_skipped(what: str, damaged: dict[int, str]) -> None:
    """Say in the operator's log which damaged rows a read left out (never their values)."""
    for signal_id, reason in sorted(damaged.items()):
        log.warning("%s: signal %d left out, its state is damaged (%s)", what, signal_id, reason)


def is_time(value: Any) -> bool:
    """Whether a stored time reads (a datetime, or SQLite's ISO text)."""
    if isinstance(value, datetime):
        return True
    if isinstance(value, str):  # SQLite's text, as a page reads it
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


@functools.lru_cache(maxsize=64)
def _value_check(signal_type: Any) -> Callable[[str], bool] | None:
    """Whether a text is the canonical stored value of ``signal_type`` (None: no such type)."""
    registry = default_registry()
    if not isinstance(signal_type, str) or signal_type not in registry:
        return None
    kind = registry.get(signal_type)
    if kind.index_kind in ("hamming", "exact"):  # lowercase hex of a fixed length
        chars = kind.nbits // 4
        return lambda text: len(text) == chars and _HEX.issuperset(text)

    def reads(text: str) -> bool:
        try:
            return kind.parse(kind.wire_value(text)).text == text
        except Exception:  # any way of not parsing is damage, not an error of ours
            return False

    return reads


_HEX = frozenset("0123456789abcdef")
