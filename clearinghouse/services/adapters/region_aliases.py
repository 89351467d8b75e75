"""Keeping the process's region aliases (index/regions.py) in step with the signals.

A PDQ signal's regions come with it when it is loaded or changes (the change pages the
indexes follow), leave with it when it is retracted, and are searched beside the PDQ
index for every PDQ query. A signal found through a region only is marked so that its
match says ``"via": "region"``; nothing of the region itself goes further.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from clearinghouse.index import Matches, RegionAliases
from clearinghouse.store.db import Database
from clearinghouse.store.regions import active_regions, regions_of
from clearinghouse.store.state_pages import StatePage

__all__ = ["AliasedMatches", "apply_page", "load_all", "merge_hits", "with_regions"]


@dataclass(frozen=True, eq=False)
class AliasedMatches(Matches):
    """Matches of a PDQ query, with the signals that only a region of theirs matched."""

    via_region: frozenset[int] = field(default_factory=frozenset)


def apply_page(
    db: Database, aliases: RegionAliases, page: StatePage, region_types: Collection[str]
) -> None:
    """Every signal of the page of a type with regions (``SignalType.has_regions``: PDQ)
    drops its old regions; the active ones index theirs.

    Read in a transaction of its own: a signal's regions are written with the signal and
    never change, so a later read holds those of every signal the page saw."""
    rows = zip(page.ids, page.types, page.statuses, strict=True)
    with_regions = [(sid, status) for sid, kind, status in rows if kind in region_types]
    if not with_regions:
        return
    active = [sid for sid, status in with_regions if status == "active"]
    with db.read() as session:
        regions = regions_of(session, active) if active else {}
    aliases.replace([sid for sid, _ in with_regions], regions)


def load_all(db: Database, aliases: RegionAliases) -> None:
    """Index the regions of every active signal (a start from snapshots, which hold none)."""
    with db.read() as session:
        regions = active_regions(session)
    aliases.replace(regions.keys(), regions)


def merge_hits(best: dict[int, int], via: dict[int, str], hits: Matches) -> None:
    """Fold one form's hits into a query's nearest distance per signal, and how it was
    found: ``via[sid] = "region"`` when a region gave the distance kept."""
    through_region = getattr(hits, "via_region", frozenset())
    for sid, dist in hits.pairs():
        if sid not in best or dist < best[sid]:
            best[sid] = dist
            if sid in through_region:
                via[sid] = "region"
            else:
                via.pop(sid, None)


def with_regions(
    aliases: RegionAliases,
    values: list,
    max_distance: int,
    limit: int | None,
    hits: list[Matches],
) -> list[Matches]:
    """Each PDQ query's matches joined with its region matches: a signal once, at the
    smaller distance (its own code first on a tie), nearest first, at most ``limit``."""
    if not len(aliases):
        return hits
    out: list[Matches] = []
    for direct, regional in zip(hits, aliases.search_many(values, max_distance), strict=True):
        best = dict(direct.pairs())
        only_region: set[int] = set()
        for sid, dist in regional.pairs():
            if sid not in best or dist < best[sid]:
                best[sid] = dist
                only_region.add(sid)
        ordered = sorted(best.items(), key=lambda kv: (kv[1], kv[0]))
        # Lower bound when the direct hits were cut: every signal seen is counted once.
        total = max(direct.total, len(best))
        kept = ordered[:limit] if limit is not None else ordered
        out.append(
            AliasedMatches(
                np.asarray([sid for sid, _ in kept], np.int64),
                np.asarray([d for _, d in kept], np.int32),
                total,
                frozenset(sid for sid, _ in kept if sid in only_region),
            )
        )
    return out
