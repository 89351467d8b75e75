"""Sending a file of statements from the command line: the whole-file check, what it
found, the resumable send with a progress bar, and what a refusal leaves stored."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from clearinghouse.cli.connection import apply_options
from clearinghouse.client import StatementFile
from clearinghouse.client.bulk import Plan
from clearinghouse.errors import ClearinghouseError, InvalidInput

__all__ = ["SPOOL_DIR", "file_options", "input_file", "send_file", "warn"]

SPOOL_DIR = "clearinghouse-input"  # in the working directory: copies of piped input


def input_file(path: str) -> Path:
    """A regular file to read twice (check, then send) and keep a journal beside.

    ``-``, ``/dev/stdin``, ``<(…)`` and other pipes can be read only once, as a stream:
    their bytes are copied into ``clearinghouse-input/<sha256 prefix>.lines`` first, so
    the same input piped again resumes from the same journal. Input with no line is an
    error, never a silent success.
    """
    if path != "-":
        candidate = Path(path)
        try:
            mode = candidate.stat().st_mode
        except FileNotFoundError:
            raise click.BadParameter(f"File '{path}' does not exist.", param_hint="FILE") from None
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
        if stat.S_ISDIR(mode):
            raise click.BadParameter(f"{path} is a directory.", param_hint="FILE")
        if stat.S_ISREG(mode):
            return candidate
    digest, chunks, size = hashlib.sha256(), [], 0
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    with contextlib.nullcontext(stream) if path == "-" else stream:
        while chunk := stream.read(1 << 16):
            digest.update(chunk)
            chunks.append(chunk)
            size += len(chunk)
    data = b"".join(chunks)
    where = "standard input" if path == "-" else path
    if not data.strip():
        raise InvalidInput(f"no line was read from {where}: nothing to send")
    folder = Path(SPOOL_DIR)
    folder.mkdir(mode=0o700, exist_ok=True)
    copy = folder / f"{digest.hexdigest()[:16]}.lines"
    if not copy.exists():
        partial = copy.with_suffix(".partial")
        partial.write_bytes(data)
        os.replace(partial, copy)
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    click.echo(f"read {lines} line(s) from {where} into {copy}", err=True)
    return copy


def file_options(command: Callable) -> Callable:
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


def warn(message: str) -> None:
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


def send_file(sender: StatementFile, dry_run: bool, as_json: bool, progress: bool | None) -> None:
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
