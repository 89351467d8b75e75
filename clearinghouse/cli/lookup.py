"""``clearinghouse match``: look files or hashes up on a server (DESIGN §5).

Files are hashed here; only their hashes are sent. Text output names each match's
signal id, distance and state; ``--json`` prints one line per hash, which ``feedback``
and ``retract`` accept as input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from clearinghouse.cli.connection import apply_options, connection_options, make_client
from clearinghouse.signals import SignalType, default_registry
from clearinghouse.wire import MATCH_QUERIES_LIMIT, SIGNAL_TYPES

__all__ = ["SIGNAL_TYPES", "match_cmd", "one_signal"]


def _member_options(command: Callable) -> Callable:
    json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
    return apply_options(command, [*connection_options(), json_option])


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _value(text: str) -> Any:
    """A value from the command line: vPDQ frame lists are given as JSON."""
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise click.BadParameter("not a JSON list of frames", param_hint="--value") from None
    return text


def one_signal(value: str | None, signal_type: str | None) -> dict[str, Any] | None:
    """The signal of --value/--type, or None when neither is given."""
    if (value is None) != (signal_type is None):
        raise click.UsageError("--value and --type go together")
    return None if value is None else {"signal_type": signal_type, "value": _value(value)}


@click.command("match")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--value", default=None, help="A hash to look up instead of files.")
@click.option("--type", "signal_type", type=click.Choice(SIGNAL_TYPES), default=None)
@click.option(
    "--types",
    "types_text",
    default=None,
    metavar="T1,T2",
    help="Signal types to compute from files (default: all that apply).",
)
@click.option(
    "--max-distance",
    type=click.IntRange(min=0),
    default=None,
    help="Largest distance to report (default: the type's).",
)
@click.option("--dihedral", is_flag=True, help="Also match rotations and flips (PDQ).")
@click.option(
    "--variants/--no-variants",
    default=True,
    help="Also look up the query variants of images: mirrored, borders trimmed, banners "
    "and pasted pictures cut out (default; docs/signals.md).",
)
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 1 when any file (or --value) matched, 0 when none did, 2 or more on an "
    "error (a file that could not be hashed, with no match elsewhere, included).",
)
@_member_options
def match_cmd(
    paths,
    value,
    signal_type,
    types_text,
    max_distance,
    dihedral,
    variants,
    exit_code,
    server,
    member,
    key_path,
    as_json,
) -> None:
    """[server] Look up files (hashed here; the media never leaves) or one --value/--type.

    Each hash gets a verdict, `match` or `no_match`, and why. With --json, one line per
    hash: the query, its `verdict`, `why` and `matches`; such lines can be given to
    `feedback` and `retract`. vPDQ matches state the share of frames matched.
    """
    if exit_code:
        from clearinghouse.cli.main import ERROR_EXIT_FLOOR

        click.get_current_context().meta[ERROR_EXIT_FLOOR] = 2
    one = one_signal(value, signal_type)
    if bool(paths) == (one is not None):
        raise click.UsageError("give either PATHs or --value with --type")
    if one is None:
        matched, errors = _match_files(
            paths, types_text, max_distance, variants, server, member, key_path, as_json
        )
    else:
        matched, errors = False, False
        records = [one]
        with make_client(server, member, key_path) as client:
            for start in range(0, len(records), MATCH_QUERIES_LIMIT):
                batch = records[start : start + MATCH_QUERIES_LIMIT]
                queries = [_query(r, max_distance) for r in batch]
                results = client.match(queries, dihedral=dihedral)
                for record, result in zip(batch, results, strict=True):
                    matches = result.get("matches", [])
                    matched = matched or bool(matches)
                    _print_matches(record, matches, as_json, max_distance)
    if exit_code:
        sys.exit(1 if matched else 2 if errors else 0)


def _query(record: dict[str, Any], max_distance: int | None) -> dict[str, Any]:
    query = {"signal_type": record["signal_type"], "value": record["value"]}
    if max_distance is not None:
        query["max_distance"] = max_distance
    return query


def _match_files(
    paths, types_text, max_distance, variants, server, member, key_path, as_json
) -> tuple[bool, bool]:
    """Hash files here (with their variants unless --no-variants), look them up in one
    batch per 1,000 hashes, and print each hash line with its merged matches; whether
    any matched, and whether any file could not be hashed."""
    from clearinghouse.signals.hashing import ALL_TYPES

    types = frozenset(ALL_TYPES)
    if types_text:
        types = frozenset(t.strip().lower() for t in types_text.split(",") if t.strip())
        unknown = sorted(types - set(ALL_TYPES))
        if unknown or not types:
            raise click.BadParameter(f"unknown signal type {unknown[:1]}", param_hint="--types")
    files = [p for path in paths for p in ([path] if path.is_file() else sorted(path.iterdir()))]
    files = [path for path in files if path.is_file()]
    with make_client(server, member, key_path) as client:
        found = client.match_files(files, variants=variants, types=types, max_distance=max_distance)
    matched = errors = False
    for lookup in found:
        if lookup.error is not None:
            _warn(f"{lookup.path}: {lookup.error}")
            errors = True
            if not lookup.lines:
                _print_unhashed(str(lookup.path), str(lookup.error), as_json)
        for line in lookup.lines:
            matched = matched or bool(line["matches"])
            _print_matches(line, line["matches"], as_json, max_distance)
    return matched, errors


def _why(record: dict[str, Any], matches: list[dict[str, Any]], max_distance: int | None) -> str:
    kind = record["signal_type"]
    if not matches:
        within = f"distance {max_distance}" if max_distance is not None else "its max distance"
        return f"no {kind} signal within {within}"
    nearest = matches[0]
    where = _closeness(kind, nearest, "at distance")
    return f"{len(matches)} {kind} signal(s); nearest {nearest.get('signal_id')} {where}"


def _kind(signal_type: object) -> SignalType | None:
    """The type of that name, None for one this version does not know."""
    return default_registry().types.get(str(signal_type))


def _closeness(signal_type: object, m: dict[str, Any], distance: str = "distance") -> str:
    """How close a match is, as its type tells it."""
    kind = _kind(signal_type)
    told = kind.closeness if kind is not None else "distance"
    if told == "frames":
        return _frame_share(m)
    if told == "scores":
        return _tmk_scores(m)
    return f"{distance} {m.get('distance')}"


def _tmk_scores(m: dict[str, Any]) -> str:
    """A TMK match's two scores, as the reference's tmk-two-level-score prints them."""
    return f"level 1 {m.get('level1_score')} / level 2 {m.get('level2_score')}"


def _frame_share(m: dict[str, Any]) -> str:
    """The share of frames matched, as HMA reports vPDQ: of the query / of the signal."""
    query = m.get("query_match_percent")
    if query is None and isinstance(m.get("distance"), int | float):
        query = 100 - m["distance"]  # the distance is the share of query frames unmatched
    indexed = m.get("compared_match_percent")
    indexed_text = f"{indexed:g}%" if isinstance(indexed, int | float) else "n/a"
    return f"frames matched {query:g}% of the query / {indexed_text} of the signal"


def _print_unhashed(path: str, why: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"path": path, "verdict": "error", "why": why}))
    else:
        click.echo(f"{path}: error ({why})")


def _print_matches(
    record: dict[str, Any],
    matches: list[dict[str, Any]],
    as_json: bool,
    max_distance: int | None = None,
) -> None:
    verdict = "match" if matches else "no_match"
    why = _why(record, matches, max_distance)
    if as_json:
        line = {k: record[k] for k in ("path", "signal_type", "value") if k in record}
        click.echo(json.dumps({**line, "verdict": verdict, "why": why, "matches": matches}))
        return
    kind = _kind(record["signal_type"])
    if kind is not None:
        value = kind.brief(record["value"])
    else:
        value = record["value"] if isinstance(record["value"], str) else "<value>"
    where = f"{record['path']} " if "path" in record else ""
    click.echo(f"{where}{record['signal_type']} {value}: {verdict} ({why})")
    for m in matches:
        state = "confirmed" if m.get("confirmed") else "unconfirmed"
        if m.get("held"):
            state += ", held"
        if m.get("disputed"):
            state += ", disputed"
        labels = ", ".join(f"{k}×{v}" for k, v in (m.get("labels") or {}).items())
        how = f"  variant {m['variant']} via {m.get('via', 'signal')}" if "variant" in m else ""
        distance = _closeness(record["signal_type"], m)
        click.echo(
            f"  signal {m.get('signal_id')}  {distance}  {state}  "
            f"{m.get('contributors')} contributor(s)  {labels}{how}"
        )
