"""Signed statements from the command line: ``submit``, ``retract`` and ``feedback``.

Each takes what a member holds: a file (``hash`` output, ``match --json`` output, an
``export``, the ``threatexchange dataset`` CSV or ``type value`` lines), one
``--value``/``--type``, or (retract, feedback) ``--signal-id``. A file is checked whole
before anything is sent, then sent as resumable statements (``client/bulk.py``). Progress
bars and warnings go to stderr, results to stdout (JSON lines with ``--json``).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from clearinghouse.cli.connection import apply_options, connection_options, make_client
from clearinghouse.cli.lookup import SIGNAL_TYPES, one_signal
from clearinghouse.client import (
    MAX_ITEMS,
    Client,
    NotFoundProblem,
    StatementFile,
    TransportError,
    feedback_item,
    read_hash_lines,
    retraction_item,
    submission_item,
)
from clearinghouse.client.bulk import Plan
from clearinghouse.errors import ClearinghouseError, InvalidInput

__all__ = ["feedback_cmd", "retract_cmd", "submit_cmd"]


def member_options(command: Callable) -> Callable:
    """--server, --member, --key (or their environment variables) and --json."""
    json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
    return apply_options(command, [*connection_options(), json_option])


def _file_options(command: Callable) -> Callable:
    options = [
        click.option(
            "--skip-invalid",
            is_flag=True,
            help="Send the valid lines and report the bad ones (default: send nothing).",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Check the file and say what would be sent; send nothing.",
        ),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Progress bar on stderr (default: when stderr is a terminal).",
        ),
    ]
    return apply_options(command, options)


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _plan_text(plan: Plan, dry_run: bool) -> list[str]:
    verb = "would send" if dry_run else "to send"
    lines = [
        f"checked {plan.lines} line(s): {plan.items} item(s) from {plan.item_lines} line(s) {verb}"
    ]
    if plan.acknowledged_lines:
        lines.append(f"lines 1–{plan.acknowledged_lines} were already acknowledged")
    if plan.below_quality:
        lines.append(
            f"skipped {len(plan.below_quality)} PDQ hash(es) below the minimum quality "
            f"({_lines(plan.below_quality)})"
        )
    if plan.unhashed:
        lines.append(f"skipped {len(plan.unhashed)} file(s) `hash` could not read")
    for bad in plan.invalid:
        lines.append(f"skipped line {bad['line']}: {bad['reason']}")
    return lines


def _lines(numbers: list[int], limit: int = 20) -> str:
    text = ", ".join(str(n) for n in numbers[:limit])
    more = f" and {len(numbers) - limit} more" if len(numbers) > limit else ""
    return f"line{'s' if len(numbers) > 1 else ''} {text}{more}"


def _send_file(sender: StatementFile, dry_run: bool, as_json: bool, progress: bool | None) -> None:
    """Check the whole file, then (unless ``dry_run``) send it, one line per statement."""
    from tqdm import tqdm

    plan = sender.check()
    if as_json:
        click.echo(json.dumps({"plan": _plan_record(plan), "dry_run": dry_run}))
    else:
        for line in _plan_text(plan, dry_run):
            click.echo(line, err=not dry_run)
    if dry_run:
        return
    show = sys.stderr.isatty() if progress is None else progress
    sent, counts, items = 0, {}, 0
    try:
        with tqdm(total=plan.lines, unit="line", file=sys.stderr, disable=not show) as bar:
            for outcome in sender.run(progress=bar.update):
                ack = outcome.ack
                sent, items = sent + 1, items + ack.items
                for status, n in ack.counts.items():
                    counts[status] = counts.get(status, 0) + n
                if as_json:
                    click.echo(json.dumps(_ack_record(ack, outcome.resent)))
    except ClearinghouseError as exc:
        exc.hints = [*getattr(exc, "hints", []), _acknowledged_text(sender)]
        raise
    if not as_json:
        tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing"
        click.echo(f"sent {sent} statement(s) of {items} item(s): {tally}")
        click.echo(f"journal: {sender.journal.path}")


def _plan_record(plan: Plan) -> dict[str, Any]:
    return {
        "lines": plan.lines,
        "items": plan.items,
        "already_acknowledged_lines": plan.acknowledged_lines,
        "below_quality_lines": plan.below_quality,
        "unhashed_lines": plan.unhashed,
        "invalid": plan.invalid,
    }


def _ack_record(ack, resent: bool) -> dict[str, Any]:
    return {
        "statement_id": ack.statement_id,
        "log_index": ack.log_index,
        "first_line": ack.first_line,
        "last_line": ack.last_line,
        "items": ack.items,
        **ack.counts,
        "resent": resent,
    }


def _acknowledged_text(sender: StatementFile) -> str:
    """Exactly what the server holds from this file, for the error of a refused statement."""
    done = sender.journal.acknowledged
    if not done:
        return "nothing from this file was acknowledged; fix the cause and re-run"
    ids = ", ".join(str(a.statement_id) for a in done[-5:])
    return (
        f"lines 1–{done[-1].last_line} were acknowledged ({len(done)} statement(s), last "
        f"{ids}); nothing after line {done[-1].last_line} was stored; re-run to send the rest"
    )


def _labels_of(client: Client, dry_run: bool) -> frozenset[str] | None:
    """The server's labels, to refuse an unknown one before sending anything."""
    try:
        return frozenset(label["label"] for label in client.labels())
    except NotFoundProblem:
        return None  # an older server: it will check the labels itself
    except TransportError:
        if not dry_run:
            raise
        from clearinghouse.signals import default_taxonomy

        _warn("server unreachable: labels checked against the default taxonomy")
        return frozenset(default_taxonomy().labels)


@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--label",
    "labels",
    multiple=True,
    help="Taxonomy label for every item (repeatable; `clearinghouse labels` lists them).",
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
@_file_options
@member_options
def submit_cmd(
    file,
    labels,
    content_type,
    note,
    batch_size,
    skip_invalid,
    dry_run,
    progress,
    server,
    member,
    key_path,
    as_json,
) -> None:
    """[server] Submit the hashes in FILE as signed statements.

    FILE is what `clearinghouse hash` prints, an `export`, the `threatexchange dataset`
    CSV or `type value` lines. The whole file is checked first; PDQ hashes below the
    minimum quality are skipped and counted. Resumable: a journal next to FILE, kept per
    server, member and key, records what the server acknowledged; re-running sends only
    the rest.
    """
    labels = list(dict.fromkeys(labels))
    options = {"labels": labels, "content_type": content_type, "note": note}
    with make_client(server, member, key_path) as client:
        known = _labels_of(client, dry_run)

        def make_items(record: dict) -> list[dict]:
            item = submission_item(
                record, labels, content_type=content_type, note=note, known_labels=known
            )
            return [item]

        sender = StatementFile(
            client,
            "submission",
            file,
            make_items,
            options=options,
            batch_size=batch_size,
            skip_invalid=skip_invalid,
            warn=_warn,
        )
        _send_file(sender, dry_run, as_json, progress)


def _sources(file: Path | None, value: str | None, signal_type: str | None, ids: tuple) -> Any:
    one = one_signal(value, signal_type)
    given = sum(x is not None and x != () for x in (file, one, ids or None))
    if given != 1:
        raise click.UsageError("give one of FILE, --value with --type, or --signal-id")
    return one


def _signals_by_id(client: Client, ids: tuple[int, ...]) -> list[dict[str, Any]]:
    """The signals behind ``--signal-id``s, as the server shows them."""
    out = []
    for signal_id in dict.fromkeys(ids):
        try:
            signal = client.signal(signal_id)
        except NotFoundProblem:
            raise InvalidInput(f"--signal-id: no signal {signal_id}") from None
        out.append({"signal_type": signal["signal_type"], "value": signal["value"]})
    return out


def _by_matches(record: dict, make: Callable[[dict], dict]) -> list[dict] | None:
    """The items of a ``match --json`` line: one per matched signal."""
    if "matches" not in record:
        return None
    matches = record["matches"]
    if not isinstance(matches, list):
        raise InvalidInput("matches: expected a list")
    return [make(m) for m in matches if isinstance(m, dict)]


def _send_or_show(
    client: Client, kind: str, items: list[dict], dry_run: bool, as_json: bool
) -> None:
    """Send one statement of ``items``, or with ``dry_run`` only show them."""
    if dry_run:
        for item in items:
            click.echo(json.dumps(item) if as_json else f"would send: {_item_text(item)}")
        return
    answer = getattr(client, {"retraction": "retract", "feedback": "feedback"}[kind])(items)
    if as_json:
        click.echo(json.dumps(answer))
        return
    statuses: dict[str, int] = {}
    for item in answer.get("items", []):
        statuses[str(item.get("status"))] = statuses.get(str(item.get("status")), 0) + 1
    tally = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    click.echo(
        f"statement {answer.get('statement_id')} at log index {answer.get('log_index')}"
        + (f": {tally}" if tally else "")
    )


def _item_text(item: dict) -> str:
    value = item["value"] if isinstance(item["value"], str) else "<vpdq frames>"
    return f"{item['signal_type']} {value}"


_signal_id_option = click.option(
    "--signal-id",
    "signal_ids",
    type=click.IntRange(min=1),
    multiple=True,
    help="A signal id as `match` or `signals` print it (repeatable).",
)


@click.command("retract")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--value", default=None, help="One hash to retract instead of a FILE.")
@click.option("--type", "signal_type", type=click.Choice(SIGNAL_TYPES), default=None)
@_signal_id_option
@click.option("--reason", required=True, help="Why the hashes are withdrawn.")
@_file_options
@member_options
def retract_cmd(
    file,
    value,
    signal_type,
    signal_ids,
    reason,
    skip_invalid,
    dry_run,
    progress,
    server,
    member,
    key_path,
    as_json,
) -> None:
    """[server] Withdraw your contributions: a FILE, one --value/--type, or --signal-id.

    FILE may be what `hash`, `match --json` (each matched signal) or `export` printed.
    Retracting twice answers `unchanged`.
    """
    one = _sources(file, value, signal_type, signal_ids)
    make = functools.partial(retraction_item, reason=reason)
    with make_client(server, member, key_path) as client:
        if file is None:
            signals = [one] if one is not None else _signals_by_id(client, signal_ids)
            _send_or_show(client, "retraction", [make(s) for s in signals], dry_run, as_json)
            return

        def make_items(record: dict) -> list[dict]:
            found = _by_matches(record, make)
            return [make(record)] if found is None else found

        sender = StatementFile(
            client,
            "retraction",
            file,
            make_items,
            options={"reason": reason},
            skip_invalid=skip_invalid,
            warn=_warn,
        )
        _send_file(sender, dry_run, as_json, progress)


@click.command("feedback")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--value", default=None, help="One hash instead of a FILE.")
@click.option("--type", "signal_type", type=click.Choice(SIGNAL_TYPES), default=None)
@_signal_id_option
@click.option("--verdict", type=click.Choice(("agree", "disagree")), required=True)
@click.option("--reason", required=True, help="Why you agree or disagree.")
@_file_options
@member_options
def feedback_cmd(
    file,
    value,
    signal_type,
    signal_ids,
    verdict,
    reason,
    skip_invalid,
    dry_run,
    progress,
    server,
    member,
    key_path,
    as_json,
) -> None:
    """[server] Agree or disagree with signals: a FILE, one --value/--type, or --signal-id.

    A hash you hold (a `hash` line, or --value) stands for the signals it matches; a
    `match --json` line for the signals it found. Repeating the same verdict answers
    `unchanged`.
    """
    one = _sources(file, value, signal_type, signal_ids)
    make = functools.partial(feedback_item, verdict=verdict, reason=reason)
    with make_client(server, member, key_path) as client:
        if file is None:
            if one is not None:
                signals = _matched(client, [one]).get(_key(one)) or []
                if not signals:
                    raise InvalidInput(f"--value: no signal matches this {one['signal_type']} hash")
            else:
                signals = _signals_by_id(client, signal_ids)
            _send_or_show(client, "feedback", [make(s) for s in signals], dry_run, as_json)
            return
        held = [
            line.record
            for line in read_hash_lines(file)
            if line.record is not None and "matches" not in line.record
        ]
        matched = _matched(client, held)

        def make_items(record: dict) -> list[dict]:
            found = _by_matches(record, make)
            if found is not None:
                return found
            signals = matched.get(_key(record))
            if not signals:
                raise InvalidInput("no signal matches this hash")
            return [make(s) for s in signals]

        sender = StatementFile(
            client,
            "feedback",
            file,
            make_items,
            options={"verdict": verdict, "reason": reason},
            skip_invalid=skip_invalid,
            warn=_warn,
        )
        _send_file(sender, dry_run, as_json, progress)


def _key(record: dict) -> tuple[str, str]:
    return str(record.get("signal_type")), json.dumps(record.get("value"), sort_keys=True)


def _matched(client: Client, records: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """The signals each held hash matches (a stored value matches itself at distance 0)."""
    from clearinghouse.signals import default_registry

    registry = default_registry()
    queries, keys = [], []
    for record in records:
        key = _key(record)
        try:
            registry.parse_reference(record.get("signal_type"), record.get("value"))
        except InvalidInput:
            continue  # named as a bad line when the file is checked
        if key not in keys:
            keys.append(key)
            queries.append({"signal_type": record["signal_type"], "value": record["value"]})
    if not queries:
        return {}
    results = client.match(queries)
    return {
        key: [{"signal_type": m["signal_type"], "value": m["value"]} for m in r.get("matches", [])]
        for key, r in zip(keys, results, strict=True)
    }
