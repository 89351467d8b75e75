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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from clearinghouse.cli.connection import apply_options, connection_options, make_client
from clearinghouse.cli.holdings import by_matches, key_of, matched, signals_by_id
from clearinghouse.cli.lookup import one_signal
from clearinghouse.cli.statement_files import file_options, input_file, send_file, warn
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
from clearinghouse.client.statements import unknown_label_text
from clearinghouse.errors import InvalidInput
from clearinghouse.wire import SIGNAL_TYPES, VERDICTS

__all__ = ["feedback_cmd", "member_options", "retract_cmd", "submit_cmd"]


def member_options(command: Callable) -> Callable:
    """--server, --member, --key (or their environment variables) and --json."""
    json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
    return apply_options(command, [*connection_options(), json_option])


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

        warn("server unreachable: labels checked against the default taxonomy")
        return frozenset(default_taxonomy().labels)


_file_argument = click.argument(
    "file", required=False, type=click.Path(dir_okay=False, allow_dash=True)
)


@click.command("submit")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
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
@file_options
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
    file = input_file(file)
    with make_client(server, member, key_path) as client:
        known = _labels_of(client, dry_run)
        for label in labels if known is not None else ():
            if label not in known:  # before any line is read or anything sent
                raise click.BadParameter(unknown_label_text(label, known), param_hint="--label")

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
            warn=warn,
        )
        send_file(sender, dry_run, as_json, progress)


def _sources(file: Path | None, value: str | None, signal_type: str | None, ids: tuple) -> Any:
    one = one_signal(value, signal_type)
    given = sum(x is not None and x != () for x in (file, one, ids or None))
    if given != 1:
        raise click.UsageError("give one of FILE, --value with --type, or --signal-id")
    return one


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
@_file_argument
@click.option("--value", default=None, help="One hash to retract instead of a FILE.")
@click.option("--type", "signal_type", type=click.Choice(SIGNAL_TYPES), default=None)
@_signal_id_option
@click.option("--reason", required=True, help="Why the hashes are withdrawn.")
@file_options
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
    file = input_file(file) if file is not None else None
    make = functools.partial(retraction_item, reason=reason)
    with make_client(server, member, key_path) as client:
        if file is None:
            signals = [one] if one is not None else signals_by_id(client, signal_ids)
            _send_or_show(client, "retraction", [make(s) for s in signals], dry_run, as_json)
            return

        def make_items(record: dict) -> list[dict]:
            found = by_matches(record, make)
            return [make(record)] if found is None else found

        sender = StatementFile(
            client,
            "retraction",
            file,
            make_items,
            options={"reason": reason},
            skip_invalid=skip_invalid,
            warn=warn,
        )
        send_file(sender, dry_run, as_json, progress)


@click.command("feedback")
@_file_argument
@click.option("--value", default=None, help="One hash instead of a FILE.")
@click.option("--type", "signal_type", type=click.Choice(SIGNAL_TYPES), default=None)
@_signal_id_option
@click.option("--verdict", type=click.Choice(VERDICTS), required=True)
@click.option("--reason", required=True, help="Why you agree or disagree.")
@file_options
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
    file = input_file(file) if file is not None else None
    make = functools.partial(feedback_item, verdict=verdict, reason=reason)
    with make_client(server, member, key_path) as client:
        if file is None:
            if one is not None:
                signals = matched(client, [one]).get(key_of(one)) or []
                if not signals:
                    raise InvalidInput(f"--value: no signal matches this {one['signal_type']} hash")
            else:
                signals = signals_by_id(client, signal_ids)
            _send_or_show(client, "feedback", [make(s) for s in signals], dry_run, as_json)
            return
        held = [
            line.record
            for line in read_hash_lines(file)
            if line.record is not None and "matches" not in line.record
        ]
        found_for = matched(client, held)

        def make_items(record: dict) -> list[dict]:
            found = by_matches(record, make)
            if found is not None:
                return found
            signals = found_for.get(key_of(record))
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
            warn=warn,
        )
        send_file(sender, dry_run, as_json, progress)
