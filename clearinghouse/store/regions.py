"""The region PDQs of signals (DESIGN §15): written with the submission that creates a
signal, read by the index to alias them to it. No read here serves anything a member or
the public sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from clearinghouse.store.damage import region_damage, report_skipped
from clearinghouse.store.models import SignalRegion

__all__ = ["active_regions", "all_regions", "delete_regions", "insert_regions", "regions_of"]

_CHUNK = 5_000  # signal ids per IN list (SQLite's bound-parameter limit is 32,766)


def insert_regions(session: Session, rows: Iterable[tuple[int, int, bytes, int]]) -> None:
    """Insert ``(signal_id, slot, code, quality)`` rows."""
    values = [
        {"signal_id": sid, "slot": slot, "code": code, "quality": quality}
        for sid, slot, code, quality in rows
    ]
    if values:
        session.execute(insert(SignalRegion), values)


def delete_regions(session: Session, signal_id: int) -> None:
    """Remove every region row of one signal (before ``db repair`` writes them again)."""
    session.execute(SignalRegion.__table__.delete().where(SignalRegion.signal_id == signal_id))


def regions_of(session: Session, signal_ids: Sequence[int]) -> dict[int, list[tuple[int, bytes]]]:
    """``signal_id -> [(slot, code)]`` of the signals given that have regions."""
    out: dict[int, list[tuple[int, bytes]]] = {}
    ids = list(signal_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(SignalRegion.signal_id, SignalRegion.slot, SignalRegion.code,
                   SignalRegion.quality)
            .where(SignalRegion.signal_id.in_(ids[start : start + _CHUNK]))
            .order_by(SignalRegion.signal_id, SignalRegion.slot)
        )  # fmt: skip
        for sid, slot, code, _ in _sound(rows, "region index"):
            out.setdefault(sid, []).append((slot, bytes(code)))
    return out


def all_regions(session: Session) -> dict[int, tuple[tuple[bytes, int], ...]]:
    """Every signal's regions as ``signal_id -> ((code, quality), …)`` in slot order."""
    out: dict[int, list[tuple[bytes, int]]] = {}
    rows = session.execute(
        select(SignalRegion.signal_id, SignalRegion.code, SignalRegion.quality).order_by(
            SignalRegion.signal_id, SignalRegion.slot
        )
    )
    for sid, code, quality in rows:
        out.setdefault(sid, []).append((bytes(code), quality))
    return {sid: tuple(regions) for sid, regions in out.items()}


def active_regions(session: Session) -> dict[int, list[tuple[int, bytes]]]:
    """``signal_id -> [(slot, code)]`` of every active signal that has regions."""
    from clearinghouse.store.models import Signal

    out: dict[int, list[tuple[int, bytes]]] = {}
    rows = session.execute(
        select(SignalRegion.signal_id, SignalRegion.slot, SignalRegion.code, SignalRegion.quality)
        .join(Signal, Signal.id == SignalRegion.signal_id)
        .where(Signal.status == "active")
        .order_by(SignalRegion.signal_id, SignalRegion.slot)
    )
    for sid, slot, code, _ in _sound(rows, "region index"):
        out.setdefault(sid, []).append((slot, bytes(code)))
    return out


def _sound(rows, what: str) -> list:
    """``(signal_id, slot, code, quality)`` rows that read; a damaged one leaves its whole
    signal's regions out (reported), as a signal's regions are indexed together."""
    rows = list(rows)
    damaged = {}
    for sid, _, code, quality in rows:
        reason = region_damage(code, quality)
        if reason is not None:
            damaged.setdefault(sid, f"a region's {reason}")
    if not damaged:
        return rows
    report_skipped(what, damaged)
    return [r for r in rows if r[0] not in damaged]
