"""What a member can list: ``labels``, ``signals get|feed|mine`` and ``export``; and
``signals release``, a contributor's release of a held signal.

All read the server as the signed-in member. ``export`` writes the list as JSON Lines (one
signal per line, as the feed shows it; ``submit``, ``retract`` and ``feedback`` read it
back) or as the CSV of ``threatexchange dataset --csv``
(``signal_type,signal_str,collab,category,tags``).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from clearinghouse.cli.connection import apply_options, connection_options, make_client
from clearinghouse.client import Client
from clearinghouse.client.hash_lines import CSV_HEADER
from clearinghouse.errors import VerificationError
from clearinghouse.wire import EXCHANGE_NAMES, FEED_PAGE_LIMIT

__all__ = ["csv_type_name", "export_cmd", "labels_cmd", "signals"]


def _member_options(command: Callable) -> Callable:
    json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
    return apply_options(command, [*connection_options(), json_option])


@click.command("labels")
@_member_options
def labels_cmd(server: str, member: str, key_path: str, as_json: bool) -> None:
    """[server] List the labels `submit --label` accepts, with what each means."""
    with make_client(server, member, key_path) as client:
        labels = client.labels()
    for label in labels:
        if as_json:
            click.echo(json.dumps(label))
        else:
            description = label.get("description") or ""
            click.echo(f"{label['label']}" + (f"\t{description}" if description else ""))


@click.group()
def signals() -> None:
    """[server] Signals as the server holds them: one by id, yours, or the change feed."""


def _signal_text(signal: dict[str, Any]) -> str:
    if signal.get("status") == "retracted":
        return f"{signal['signal_id']}\t{signal.get('signal_type')}\tretracted"
    value = signal["value"] if isinstance(signal.get("value"), str) else "<vpdq frames>"
    state = "confirmed" if signal.get("confirmed") else "unconfirmed"
    if signal.get("disputed"):
        state += ",disputed"
    labels = ",".join(sorted(signal.get("labels") or {}))
    return (
        f"{signal['signal_id']}\t{signal['signal_type']}\t{value}\t{state}\t"
        f"{signal.get('contributors')} contributor(s)\t{labels}"
    )


@signals.command("get")
@click.argument("signal_id", type=click.IntRange(min=1))
@_member_options
def get_cmd(signal_id: int, server: str, member: str, key_path: str, as_json: bool) -> None:
    """One signal: labels, contributors, feedback and your own contribution."""
    with make_client(server, member, key_path) as client:
        signal = client.signal(signal_id)
    if as_json:
        click.echo(json.dumps(signal))
        return
    for name, value in signal.items():
        click.echo(f"{name}: {_text(value)}")


def _text(value: Any) -> str:
    """A field for people: true/false, labels as `label×count`, nested fields inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, dict):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
            return ", ".join(f"{k}×{v}" for k, v in value.items())
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "none"
    return str(value)


@signals.command("release")
@click.argument("signal_id", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="Why it may go back to every list (logged).")
@_member_options
def release_cmd(
    signal_id: int, reason: str, server: str, member: str, key_path: str, as_json: bool
) -> None:
    """Release a held signal you contribute (a signed statement, logged)."""
    with make_client(server, member, key_path) as client:
        answer = client.release(signal_id, reason)
    hold = answer["hold"]
    click.echo(json.dumps(answer) if as_json else f"signal {hold['signal_id']}: {hold['status']}")


@signals.command("feed")
@click.option("--after", default=None, metavar="CURSOR", help="Resume after this cursor.")
@click.option(
    "--limit",
    type=click.IntRange(1, FEED_PAGE_LIMIT),
    default=None,
    help="Signals per page (server max).",
)
@_member_options
def feed_cmd(
    after: str | None, limit: int | None, server: str, member: str, key_path: str, as_json: bool
) -> None:
    """The change feed from CURSOR until caught up; the next cursor goes to stderr."""
    cursor = after
    with make_client(server, member, key_path) as client:
        for page in client.iter_signal_pages(after, limit):
            for signal in page.get("signals", []):
                click.echo(json.dumps(signal) if as_json else _signal_text(signal))
            cursor = page.get("next") or cursor
    click.echo(f"next cursor: {cursor}" if cursor else "the feed is empty", err=True)


def _current(client: Client) -> Iterator[dict[str, Any]]:
    """Every signal's latest state (a signal changed during the walk is shown once)."""
    latest: dict[int, dict[str, Any]] = {}
    for signal in client.iter_signals():
        latest.pop(signal["signal_id"], None)
        latest[signal["signal_id"]] = signal
    yield from latest.values()


@signals.command("mine")
@_member_options
def mine_cmd(server: str, member: str, key_path: str, as_json: bool) -> None:
    """The signals you contributed and have not retracted."""
    with make_client(server, member, key_path) as client:
        current = [s for s in _current(client) if s.get("status") != "retracted"]
    if current and not any("is_mine" in s for s in current):
        raise VerificationError("this server's feed does not say which signals are yours")
    for signal in current:
        if signal.get("is_mine"):
            click.echo(json.dumps(signal) if as_json else _signal_text(signal))


def _category(signal: dict[str, Any]) -> str:
    """The aggregate opinion in python-threatexchange's words."""
    if signal.get("disputed"):
        return "NEGATIVE_CLASS"
    return "POSITIVE_CLASS" if signal.get("confirmed") else "INVESTIGATION_SEED"


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("jsonl", "csv")),
    default="jsonl",
    show_default=True,
    help="JSON Lines, or the CSV of `threatexchange dataset --csv`.",
)
@click.option("--collab", default="clearinghouse", show_default=True, help="CSV `collab` column.")
@click.option("--include-retracted", is_flag=True, help="Also write tombstones (JSON Lines).")
@_member_options
def export_cmd(
    fmt: str,
    collab: str,
    include_retracted: bool,
    server: str,
    member: str,
    key_path: str,
    as_json: bool,
) -> None:
    """[server] Write the signal list (your member's view) to stdout.

    CSV rows hold only what python-threatexchange has a type for, under its names: pdq,
    and md5/sha256 of videos as video_md5/video_sha256. The rest (image digests, the
    64-bit image hashes, vPDQ frame lists) is left out and counted on stderr; JSON Lines
    hold everything, written page by page as the feed arrives (so `export | head` ends at
    once); a signal that changes during the export appears again with its newer state.
    """
    del as_json  # both formats are machine-readable already
    with make_client(server, member, key_path) as client:
        if fmt == "jsonl":
            for signal in client.iter_signals():
                if include_retracted or signal.get("status") != "retracted":
                    click.echo(json.dumps(signal))
            return
        current = list(_current(client))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    left_out: dict[str, int] = {}
    for signal in current:
        if signal.get("status") == "retracted":
            continue
        signal_type = csv_type_name(signal)
        if signal_type is None or not isinstance(signal.get("value"), str):
            kind = str(signal.get("signal_type"))
            left_out[kind] = left_out.get(kind, 0) + 1
            continue
        tags = " ".join(sorted(signal.get("labels") or {}))
        writer.writerow([signal_type, signal["value"], collab, _category(signal), tags])
    if left_out:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(left_out.items()))
        click.echo(
            f"left out {counts} signal(s): python-threatexchange has no type for them "
            "(image digests, 64-bit image hashes, vPDQ); use --format jsonl for everything",
            err=True,
        )


def csv_type_name(signal: dict[str, Any]) -> str | None:
    """The python-threatexchange type name of a feed signal, or None when it has none:
    its file digests are for videos only (video_md5, video_sha256)."""
    name = EXCHANGE_NAMES.get(str(signal.get("signal_type")))
    if name is None or not isinstance(signal.get("value"), str):
        return None  # its CSV holds one string per signal: no vPDQ frame lists
    if name.startswith("video_"):
        types = signal.get("content_types") or []
        if not any(str(t).startswith("video/") for t in types):
            return None
    return name
