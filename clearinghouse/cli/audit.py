"""``clearinghouse audit``: verify the transparency log from outside the server.

``verify`` runs the whole audit (``clearinghouse.client.audit.verify_log``); ``inclusion``
and ``consistency`` check one proof against the current signed checkpoint. They talk to a
server as an auditor member (``--server``, ``--member``, ``--key``, or the
``CLEARINGHOUSE_URL``/``_MEMBER``/``_KEY`` environment) and exit 1 on any failure.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from clearinghouse.cli.connection import apply_options, connection_options, make_client
from clearinghouse.client import Client
from clearinghouse.client.audit import (
    check_consistency,
    check_inclusion,
    load_state,
    verify_log,
)
from clearinghouse.errors import ClearinghouseError
from clearinghouse.wire import b64decode

__all__ = ["audit"]

# Below this many entries a worker pool costs more to start than it saves.
_POOL_THRESHOLD = 50_000


def _connection_options(command: Callable) -> Callable:
    """--server, --member, --key (or the environment), --log-key, --state and --json."""
    return apply_options(
        command,
        [
            *connection_options("auditor"),
            click.option(
                "--log-key",
                metavar="VKEY",
                help="The log's verifier key you expect (note vkey form).",
            ),
            click.option(
                "--state",
                "state_path",
                type=click.Path(dir_okay=False),
                metavar="FILE",
                help="Audit state: pinned log key, last verified checkpoint.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
        ],
    )


def _failing(command: Callable) -> Callable:
    """Errors (unreachable server, refused proof, bad input) as one stderr line, exit 1."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ClearinghouseError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            sys.exit(1)

    return run


@click.group()
def audit() -> None:
    """Verify the transparency log independently of the server."""


@audit.command("verify")
@_connection_options
@click.option(
    "--workers",
    type=click.IntRange(0, 256),
    default=0,
    show_default=True,
    help="Processes verifying signatures (0: one per CPU on large logs).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Verify every signature again, also of entries unchanged since the saved state.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: when stderr is a terminal).",
)
@_failing
def verify_cmd(server, member, key_path, log_key, state_path, as_json, workers, full, progress):
    """Check the whole log: checkpoint signature, every entry against the signed root,
    every statement signature against the keys the log recorded, and consistency with
    the checkpoint saved in --state (which is then moved forward)."""
    with make_client(server, member, key_path) as client:
        if workers == 0:
            size = _signed_size(client)
            workers = (os.cpu_count() or 1) if size >= _POOL_THRESHOLD else 1
        show = sys.stderr.isatty() if progress is None else progress
        with _progress_bar(show) as on_progress:
            report = verify_log(
                client,
                state=state_path,
                log_key=log_key,
                workers=workers,
                progress=on_progress,
                recheck=full,
            )
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        for problem in report.problems:
            click.echo(str(problem))
        if report.omitted:
            click.echo(f"... and {report.omitted} more problems")
        if report.ok:
            click.echo(report.summary())
        else:
            at = f" at size {report.size}" if report.size is not None else ""
            click.echo(
                f"FAILED: {len(report.problems) + report.omitted} problem(s) in "
                f"{report.origin or 'the log'}{at}"
            )
    sys.exit(0 if report.ok else 1)


@audit.command("inclusion")
@_connection_options
@click.option("--index", type=click.IntRange(0), required=True, help="The entry's index.")
@click.option(
    "--tree-size",
    type=click.IntRange(1),
    default=None,
    help="The tree to prove it in (default: the signed checkpoint's size).",
)
@_failing
def inclusion_cmd(server, member, key_path, log_key, state_path, as_json, index, tree_size):
    """Check that entry INDEX is in the signed log."""
    with make_client(server, member, key_path) as client:
        result = check_inclusion(
            client, index, tree_size, log_key=log_key, pinned=_pinned(state_path)
        )
    _print_ok(
        result,
        as_json,
        f"ok: entry {index} is in the tree of {result['tree_size']} "
        f"entries, consistent with the signed checkpoint",
    )


@audit.command("consistency")
@_connection_options
@click.option("--first", type=click.IntRange(1), default=None, help="The older tree's size.")
@click.option(
    "--second",
    type=click.IntRange(1),
    default=None,
    help="The newer tree's size (default: the signed checkpoint's).",
)
@click.option(
    "--first-root",
    metavar="BASE64",
    default=None,
    help="The older tree's root (default: recomputed from the entries).",
)
@click.option(
    "--first-checkpoint",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="An older signed checkpoint note: its size and root.",
)
@_failing
def consistency_cmd(
    server,
    member,
    key_path,
    log_key,
    state_path,
    as_json,
    first,
    second,
    first_root,
    first_checkpoint,
):
    """Check that the log of FIRST entries is a prefix of the log of SECOND entries."""
    if first is None and first_checkpoint is None:
        raise click.UsageError("give --first or --first-checkpoint")
    root = _root(first_root) if first_root is not None else None
    note = Path(first_checkpoint).read_text() if first_checkpoint else None
    with make_client(server, member, key_path) as client:
        result = check_consistency(
            client,
            first,
            second,
            first_root=root,
            first_checkpoint=note,
            log_key=log_key,
            pinned=_pinned(state_path),
        )
    _print_ok(
        result,
        as_json,
        f"ok: the tree of {result['first']} entries is a prefix of "
        f"the tree of {result['second']}, consistent with the signed "
        f"checkpoint",
    )


def _signed_size(client: Client) -> int:
    """The checkpoint's size, unchecked: only to choose the number of workers."""
    lines = client.log_checkpoint().split("\n")
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0


def _pinned(state_path: str | None) -> str | None:
    return load_state(state_path).vkey if state_path else None


def _root(text: str) -> bytes:
    try:
        root = b64decode(text)
    except ValueError:
        root = b""
    if len(root) != 32:
        raise click.BadParameter("not base64 of a 32-byte root", param_hint="--first-root")
    return root


def _print_ok(result: dict, as_json: bool, text: str) -> None:
    for warning in result.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)
    click.echo(json.dumps(result) if as_json else text)


class _progress_bar:
    """A tqdm bar on stderr fed by ``verify_log``'s progress callback, or nothing."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.bar = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.show:
            return None
        from tqdm import tqdm

        def update(done: int, total: int) -> None:
            if self.bar is None:
                self.bar = tqdm(total=total, unit="entry", file=sys.stderr)
            self.bar.update(done - self.bar.n)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
