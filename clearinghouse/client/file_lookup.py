"""Looking files up: hashed here with their query variants, sent as one batch, merged per file.

A member's file lookup (DESIGN §15) hashes each image's query variants
(``signals/hashing/variants.py``: the dihedral transforms, borders trimmed, boxes of
straight edges, centre crops and strips) besides its other signals, sends every hash of
every file as one batch (1,000 queries a request), and merges the answers: per hash line
and per file, each signal once, at its smallest distance, with the ``variant`` that
found it and ``"via"``: ``"signal"`` or ``"region"`` as the server said. The server never
sees the media, only the hashes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from clearinghouse.errors import VerificationError

__all__ = [
    "FileLookup",
    "FileLookups",
    "Looks",
    "Tag",
    "lookup_files",
    "merge_matches",
    "queries_of",
]


class Looks(Protocol):
    """What a file lookup asks of the client (``Client.match``)."""

    def match(self, queries: Iterable[Mapping[str, Any]]) -> list[dict]: ...


class FileLookups:
    """The ``Client`` methods that hash files here and look them up, and the member's
    private suppressions of signals it never wants matched (mixed into ``Client``, whose
    ``_json`` they call)."""

    _json: Any

    def match_files(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        variants: bool = True,
        types: Iterable[str] | None = None,
        max_distance: int | None = None,
    ) -> list:
        """Hash files here (with their query variants) and look them up in one batch;
        one ``FileLookup`` per file, its matches merged (``client/file_lookup.py``)."""
        return lookup_files(
            self,
            paths,
            variants=variants,
            types=types,
            max_distance=max_distance,  # type: ignore[arg-type]
        )

    def add_suppression(self, signal_id: int, reason: str) -> dict[str, Any]:
        """Never match ``signal_id`` for this member (private; not in the log)."""
        body = json.dumps({"signal_id": int(signal_id), "reason": reason}).encode()
        return self._json("POST", "/v1/suppressions", body=body, idempotent=False)

    def suppressions(self) -> list[dict[str, Any]]:
        """This member's suppressions: ``signal_id``, ``reason``, ``created``."""
        found = self._json("GET", "/v1/suppressions").get("suppressions")
        if not isinstance(found, list):
            raise VerificationError("the suppressions answer has no list")
        return found

    def remove_suppression(self, signal_id: int) -> None:
        """Match ``signal_id`` for this member again."""
        self._json("DELETE", f"/v1/suppressions/{int(signal_id)}", idempotent=False)


class Tag(NamedTuple):
    """Which hash line (by position) and which variant of it a query is."""

    line: int
    variant: str


class FileLookup(NamedTuple):
    """One file's hash lines (with their merged ``matches``) and all its matches merged."""

    path: str
    lines: list[dict[str, Any]]
    matches: list[dict[str, Any]]
    error: str | None = None


def queries_of(
    lines: Sequence[dict[str, Any]], *, max_distance: int | None = None
) -> tuple[list[dict[str, Any]], list[Tag]]:
    """The queries for hash lines: one per PDQ variant when the line has them, else one."""
    queries: list[dict[str, Any]] = []
    tags: list[Tag] = []
    for n, line in enumerate(lines):
        forms = line.get("variants") or [{"variant": "original", "value": line["value"]}]
        for form in forms:
            query: dict[str, Any] = {"signal_type": line["signal_type"], "value": form["value"]}
            if max_distance is not None and _takes_distance(line["signal_type"]):
                query["max_distance"] = max_distance
            queries.append(query)
            tags.append(Tag(n, form["variant"]))
    return queries, tags


def _takes_distance(signal_type: str) -> bool:
    """Digests and TMK take no ``max_distance`` (the server refuses one above 0)."""
    from clearinghouse.signals import default_registry

    registry = default_registry()
    return signal_type in registry and registry.get(signal_type).max_distance_ceiling > 0


def merge_matches(
    tags: Sequence[Tag], results: Sequence[dict[str, Any]], lines: int
) -> list[list[dict[str, Any]]]:
    """Per hash line, its matches over all its variants: each signal once, the nearest
    (a direct match before a region one at the same distance), nearest first."""
    best: list[dict[int, dict[str, Any]]] = [{} for _ in range(lines)]
    for tag, result in zip(tags, results, strict=True):
        for match in result.get("matches", []):
            found = {**match, "variant": tag.variant, "via": match.get("via", "signal")}
            known = best[tag.line].get(match["signal_id"])
            if known is None or _rank(found) < _rank(known):
                best[tag.line][match["signal_id"]] = found
    return [sorted(per.values(), key=_rank) for per in best]


def _rank(match: dict[str, Any]) -> tuple:
    return (match.get("distance", 0), match.get("via") != "signal", match["signal_id"])


def lookup_files(
    client: Looks,
    paths: Iterable[str | Path],
    *,
    variants: bool = True,
    types: Iterable[str] | None = None,
    max_distance: int | None = None,
) -> list[FileLookup]:
    """Hash and look up files, in order. A file that cannot be hashed comes back with its
    ``error`` and no lines; the others are sent together (one request up to 1,000 hashes)."""
    from clearinghouse.signals.hashing import ALL_TYPES, HashingError, HashOptions, hash_file

    options = HashOptions(types=frozenset(types or ALL_TYPES), regions=False, variants=variants)
    hashed: list[tuple[str, list[dict[str, Any]], str | None]] = []
    for path in paths:
        try:
            hashed.append((str(path), hash_file(path, options), None))
        except HashingError as error:
            hashed.append((str(path), [], error.detail))
    every = [line for _, lines, _ in hashed for line in lines]
    queries, tags = queries_of(every, max_distance=max_distance)
    results = client.match(queries) if queries else []
    merged = merge_matches(tags, results, len(every))
    out: list[FileLookup] = []
    start = 0
    for path, lines, error in hashed:
        mine = merged[start : start + len(lines)]
        start += len(lines)
        shown = [
            {**{k: v for k, v in line.items() if k != "variants"}, "matches": matches}
            for line, matches in zip(lines, mine, strict=True)
        ]
        out.append(FileLookup(path, shown, _per_file(mine), error))
    return out


def _per_file(per_line: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    best: dict[int, dict[str, Any]] = {}
    for matches in per_line:
        for match in matches:
            known = best.get(match["signal_id"])
            if known is None or _rank(match) < _rank(known):
                best[match["signal_id"]] = match
    return sorted(best.values(), key=_rank)
