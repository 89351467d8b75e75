"""Member commands: ``submit``, ``retract``, ``feedback`` and ``match`` against a server.

Each talks to the server through the SDK (``clearinghouse.client``), signing with the
member's key. Files are what ``clearinghouse hash`` prints; sending one is split into
statements of at most 10,000 items and resumable (``client/progress.py``). Progress bars
and warnings go to stderr, results to stdout (JSON lines with ``--json``).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from clearinghouse.cli.connection import apply_options, connection_options
from clearinghouse.client import (
    MAX_ITEMS,
    Client,
    StatementFile,
    feedback_item,
    retraction_item,
    submission_item,
)

__all__ = ["feedback_cmd", "match_cmd", "retract_cmd", "submit_cmd"]

_SIGNAL_TYPES = ("pdq", "phash", "dhash", "ahash", "whash", "vpdq", "md5", "sha256")
_MATCH_BATCH = 1_000


def member_options(command: Callable) -> Callable:
    """--server, --member, --key (or their environment variables) and --json."""
    json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
    return apply_options(command, [*connection_options(), json_option])


def _client(server: str, member: str, key_path: str) -> Client:
    return Client(server, member, key_path)


def _progress_option(command: Callable) -> Callable:
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Progress bar on stderr (default: when stderr is a terminal).",
    )(command)


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


def _one_signal(value: str | None, signal_type: str | None) -> dict[str, Any] | None:
    if (value is None) != (signal_type is None):
        raise click.UsageError("--value and --type go together")
    return None if value is None else {"signal_type": signal_type, "value": _value(value)}


def _send_file(
    client: Client,
    kind: str,
    path: Path,
    make_item: Callable[[dict], dict],
    options: dict[str, Any],
    batch_size: int,
    as_json: bool,
    progress: bool | None,
) -> None:
    """Send FILE as statements, resumably, printing one line per statement or a summary."""
    from tqdm import tqdm

    sender = StatementFile(
        client, kind, path, make_item, options=options, batch_size=batch_size, warn=_warn
    )
    total = sender.check()
    already = len(sender.journal.acknowledged)
    show = sys.stderr.isatty() if progress is None else progress
    sent, counts, items = 0, {}, 0
    with tqdm(total=total, unit="line", file=sys.stderr, disable=not show) as bar:
        for outcome in sender.run(progress=bar.update):
            ack = outcome.ack
            sent, items = sent + 1, items + ack.items
            for status, n in ack.counts.items():
                counts[status] = counts.get(status, 0) + n
            if as_json:
                record = {
                    "statement_id": ack.statement_id,
                    "log_index": ack.log_index,
                    "first_line": ack.first_line,
                    "last_line": ack.last_line,
                    "items": ack.items,
                    **ack.counts,
                    "resent": outcome.resent,
                }
                click.echo(json.dumps(record))
    if not as_json:
        tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing"
        click.echo(f"sent {sent} statement(s) of {items} item(s): {tally}")
        if already:
            click.echo(f"{already} statement(s) were already acknowledged ({sender.journal.path})")


def _send_one(client: Client, kind: str, item: dict[str, Any], as_json: bool) -> None:
    answer = getattr(client, {"retraction": "retract", "feedback": "feedback"}[kind])([item])
    if as_json:
        click.echo(json.dumps(answer))
    else:
        status = ", ".join(str(i.get("status")) for i in answer.get("items", []))
        click.echo(
            f"statement {answer.get('statement_id')} at log index {answer.get('log_index')}"
            + (f": {status}" if status else "")
        )


@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--label",
    "labels",
    multiple=True,
    required=True,
    help="Taxonomy label for every item (repeatable), e.g. behaviour:…",
)
@click.option("--content-type", default=None, help="Content type for lines that carry none.")
@click.option("--note", default=None, help="A note attached to every item.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, MAX_ITEMS),
    default=MAX_ITEMS,
    show_default=True,
    help="Items per statement.",
)
@member_options
@_progress_option
def submit_cmd(
    file, labels, content_type, note, batch_size, server, member, key_path, as_json, progress
) -> None:
    """Submit the hashes in FILE (output of `clearinghouse hash`) as signed statements.

    Resumable: progress is kept in FILE.submitted; re-running after an interruption sends
    only what the server has not acknowledged.
    """
    labels = list(dict.fromkeys(labels))

    def make_item(line: dict) -> dict:
        return submission_item(line, labels, content_type=content_type, note=note)

    options = {"labels": labels, "content_type": content_type, "note": note}
    with _client(server, member, key_path) as client:
        _send_file(client, "submission", file, make_item, options, batch_size, as_json, progress)


@click.command("retract")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--value", default=None, help="One hash to retract instead of a FILE.")
@click.option("--type", "signal_type", type=click.Choice(_SIGNAL_TYPES), default=None)
@click.option("--reason", required=True, help="Why the hashes are withdrawn.")
@member_options
@_progress_option
def retract_cmd(
    file, value, signal_type, reason, server, member, key_path, as_json, progress
) -> None:
    """Withdraw your contributions: the hashes in FILE, or one --value/--type."""
    one = _pick(file, value, signal_type)
    with _client(server, member, key_path) as client:
        if one is not None:
            _send_one(client, "retraction", retraction_item(one, reason), as_json)
            return
        options = {"reason": reason}
        _send_file(
            client,
            "retraction",
            file,
            functools.partial(retraction_item, reason=reason),
            options,
            MAX_ITEMS,
            as_json,
            progress,
        )


@click.command("feedback")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--value", default=None, help="One hash instead of a FILE.")
@click.option("--type", "signal_type", type=click.Choice(_SIGNAL_TYPES), default=None)
@click.option("--verdict", type=click.Choice(("agree", "disagree")), required=True)
@click.option("--reason", required=True, help="Why you agree or disagree.")
@member_options
@_progress_option
def feedback_cmd(
    file, value, signal_type, verdict, reason, server, member, key_path, as_json, progress
) -> None:
    """Agree or disagree with signals: the hashes in FILE, or one --value/--type."""
    one = _pick(file, value, signal_type)
    with _client(server, member, key_path) as client:
        if one is not None:
            _send_one(client, "feedback", feedback_item(one, verdict, reason), as_json)
            return
        options = {"verdict": verdict, "reason": reason}
        make_item = functools.partial(feedback_item, verdict=verdict, reason=reason)
        _send_file(client, "feedback", file, make_item, options, MAX_ITEMS, as_json, progress)


def _pick(file: Path | None, value: str | None, signal_type: str | None) -> dict | None:
    one = _one_signal(value, signal_type)
    if (file is None) == (one is None):
        raise click.UsageError("give either FILE or --value with --type")
    return one


@click.command("match")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--value", default=None, help="A hash to look up instead of files.")
@click.option("--type", "signal_type", type=click.Choice(_SIGNAL_TYPES), default=None)
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
@member_options
def match_cmd(
    paths, value, signal_type, types_text, max_distance, dihedral, server, member, key_path, as_json
) -> None:
    """Look up files (hashed here; the media never leaves) or one --value/--type."""
    one = _one_signal(value, signal_type)
    if bool(paths) == (one is not None):
        raise click.UsageError("give either PATHs or --value with --type")
    records = [one] if one is not None else list(_hash_paths(paths, types_text))
    with _client(server, member, key_path) as client:
        for start in range(0, len(records), _MATCH_BATCH):
            batch = records[start : start + _MATCH_BATCH]
            queries = [_query(r, max_distance) for r in batch]
            results = client.match(queries, dihedral=dihedral)
            for record, result in zip(batch, results, strict=True):
                _print_matches(record, result.get("matches", []), as_json)


def _query(record: dict[str, Any], max_distance: int | None) -> dict[str, Any]:
    query = {"signal_type": record["signal_type"], "value": record["value"]}
    if max_distance is not None:
        query["max_distance"] = max_distance
    return query


def _hash_paths(paths: tuple[Path, ...], types_text: str | None) -> Iterator[dict[str, Any]]:
    """Hash each file locally; files that cannot be hashed are warned about and skipped."""
    from clearinghouse.signals.hashing import ALL_TYPES, HashingError, HashOptions, hash_file

    types = frozenset(ALL_TYPES)
    if types_text:
        types = frozenset(t.strip().lower() for t in types_text.split(",") if t.strip())
        unknown = sorted(types - set(ALL_TYPES))
        if unknown or not types:
            raise click.BadParameter(f"unknown signal type {unknown[:1]}", param_hint="--types")
    options = HashOptions(types=types)
    files = [p for path in paths for p in ([path] if path.is_file() else sorted(path.iterdir()))]
    for path in files:
        if not path.is_file():
            continue
        try:
            yield from hash_file(path, options)
        except HashingError as error:
            _warn(f"{path}: {error.detail}")


def _print_matches(record: dict[str, Any], matches: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        line = {k: record[k] for k in ("path", "signal_type", "value") if k in record}
        click.echo(json.dumps({**line, "matches": matches}))
        return
    value = record["value"] if isinstance(record["value"], str) else "<vpdq>"
    where = f"{record['path']} " if "path" in record else ""
    click.echo(f"{where}{record['signal_type']} {value}: {len(matches) or 'no'} match(es)")
    for m in matches:
        state = "confirmed" if m.get("confirmed") else "unconfirmed"
        if m.get("disputed"):
            state += ", disputed"
        labels = ", ".join(f"{k}×{v}" for k, v in (m.get("labels") or {}).items())
        click.echo(
            f"  signal {m.get('signal_id')}  distance {m.get('distance')}  {state}  "
            f"{m.get('contributors')} contributor(s)  {labels}"
        )
