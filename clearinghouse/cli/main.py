"""The ``clearinghouse`` entry point: one click group, every error as one actionable line.

A user's mistake is never a traceback: project errors, unreadable files and the
connection errors of a server that is not there end in one line on stderr (or one JSON
object on stdout with ``--json``) and exit status 1 (2 for a server URL that leads to no
clearinghouse, and usage errors, as click does).
"""

from __future__ import annotations

import importlib
import json
import sys
from datetime import UTC, datetime
from typing import Any

import click

from clearinghouse.cli.extras import MissingExtra, missing_extra
from clearinghouse.errors import AuthenticationError, ClearinghouseError

__all__ = ["ERROR_EXIT_FLOOR", "build_cli", "cli", "main"]

ERROR_EXIT_FLOOR = "clearinghouse.error_exit_floor"  # ctx.meta key

_SECTIONS = (
    ("Member commands (talk to a server: --server/CLEARINGHOUSE_URL, --member, --key)",
     ("whoami", "submit", "retract", "feedback", "match", "labels", "signals", "export", "audit",
      "site", "incidents", "subscriptions", "suppressions")),
    ("Operator commands (work on the database directly: {database})",
     ("serve", "deliver", "db", "members", "keys", "holds")),
    ("Local commands (no server, no database)", ("keygen", "hash", "demo")),
)  # fmt: skip


class _Group(click.Group):
    """Lazily loaded commands, sections in ``--help``, project errors as one line and exit
    status 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in _WHERE if self.get_command(ctx, name) is not None)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in _WHERE:
            command = _load(name)
            if command is not None:
                self.add_command(command, name)
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.list_commands(ctx)  # loads them all, for their help lines
        listed: set[str] = set()
        for title, names in _SECTIONS:
            title = title.format(database=_database_here())
            rows = [
                (name, self.commands[name].get_short_help_str(60))
                for name in names
                if name in self.commands and not self.commands[name].hidden
            ]
            listed.update(name for name, _ in rows)
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
        rest = [
            (name, cmd.get_short_help_str(60))
            for name, cmd in sorted(self.commands.items())
            if name not in listed and not cmd.hidden
        ]
        if rest:
            with formatter.section("Other commands"):
                formatter.write_dl(rest)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """As click's, but a usage mistake is one line on stderr (exit 2), not a usage
        block: a pipeline's log shows what was wrong."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else (prog_name or "clearinghouse")
            click.echo(f"error: {exc.format_message()} (see `{where} --help`)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context):
        args = [*getattr(ctx, "_protected_args", []), *ctx.args]
        as_json = "--json" in args
        code = 1
        try:
            return super().invoke(ctx)
        except ClearinghouseError as exc:
            code = getattr(exc, "exit_code", 1)
            _report(exc, as_json)
        except BrokenPipeError:
            # The reader of our output went away (`export | head -1`): the end of the
            # output, not an error (click's own handling would exit 1).
            _reader_gone()
            sys.exit(0)
        except OSError as exc:  # a file or port the user named
            _report(_os_error(exc), as_json)
        except MissingExtra as exc:
            _report(ClearinghouseError(str(exc)), as_json)
        except ModuleNotFoundError as exc:
            # A command that imports an optional dependency when it runs (hashing, the
            # server's): say which install provides it.
            missing = missing_extra(exc)
            if missing is None:
                raise
            _report(ClearinghouseError(str(missing)), as_json)
        # A command whose exit status 1 means something else (`match --exit-code`: a
        # match) raises the floor of its errors.
        sys.exit(max(code, ctx.meta.get(ERROR_EXIT_FLOOR, 1)))


def _database_here() -> str:
    """Where operator commands run from here would find the database."""
    try:
        from clearinghouse.config import load_settings

        settings = load_settings()
    except ClearinghouseError as exc:
        return f"settings not valid here: {exc.detail}"
    url = settings.effective_database_url
    if settings.is_sqlite:
        return f"here {url.split(':///', 1)[-1]}; set CLEARINGHOUSE_DATA_DIR to change"
    return "CLEARINGHOUSE_DATABASE_URL"


def _os_error(exc: OSError) -> ClearinghouseError:
    where = f" {exc.filename}" if exc.filename else ""
    return ClearinghouseError(f"{exc.strerror or exc}{':' if where else ''}{where}".strip())


def _report(exc: ClearinghouseError, as_json: bool) -> None:
    hints = list(getattr(exc, "hints", []))
    if isinstance(exc, AuthenticationError):
        hints.append(_auth_hint())
    if as_json:
        error: dict[str, Any] = {"detail": exc.detail}
        if getattr(exc, "status", None):
            error["status"] = exc.status
        if exc.errors:
            error["errors"] = exc.errors
        if hints:
            error["hints"] = hints
        click.echo(json.dumps({"error": error}))
        return
    cause = getattr(exc, "cause", None)  # the operator may see what callers may not
    click.echo(f"error: {exc.detail}" + (f" ({cause})" if cause else ""), err=True)
    for item in exc.errors[:50]:
        click.echo(f"  {_item_text(item)}", err=True)
    if len(exc.errors) > 50:
        click.echo(f"  … and {len(exc.errors) - 50} more", err=True)
    for hint in hints:
        click.echo(f"hint: {hint}", err=True)


def _item_text(item: Any) -> str:
    """One entry of a problem's ``errors``: where, then why."""
    if not isinstance(item, dict):
        return str(item)
    where = []
    if "line" in item:
        where.append(f"line {item['line']}")
    elif "index" in item:
        where.append(f"item {item['index']}")
    if item.get("field"):
        where.append(str(item["field"]))
    reason = item.get("reason") or item.get("detail") or ""
    rest = {
        k: v for k, v in item.items() if k not in ("line", "index", "field", "reason", "detail")
    }
    extra = " " + " ".join(f"{k}={v}" for k, v in rest.items()) if rest else ""
    return f"{': '.join(where)}: {reason}{extra}" if where else f"{reason}{extra}"


def _auth_hint() -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "the server does not say why; likely causes: this machine's clock is off "
        f"(it says {now} UTC; the server accepts ±300 s), the key was revoked, the key "
        "belongs to another member than --member, or the member is suspended"
    )


@click.group(cls=_Group)
@click.version_option(package_name="clearinghouse")
def cli() -> None:
    """Clearinghouse: share hashes of removed terrorist and violent-extremist media.

    Member commands sign requests to a server; operator commands change the database
    of the server on this machine; local commands need neither. Commands that print
    data print JSON (one object per line) with --json, errors included.
    """


# (command name, module, attribute), each imported only when run (or listed by --help),
# so a member command never pays for the server's imports. Member, audit and local
# commands need only the base install; when the server's (or hashing) dependencies of
# another are missing, it stands in as a command that says which extra to install.
COMMANDS = (
    ("serve", "clearinghouse.cli.serve", "serve"),
    ("db", "clearinghouse.cli.db", "db"),
    ("keygen", "clearinghouse.cli.keys", "keygen"),
    ("keys", "clearinghouse.cli.keys", "keys"),
    ("members", "clearinghouse.cli.members", "members"),
    ("holds", "clearinghouse.cli.holds", "holds"),
    ("hash", "clearinghouse.cli.hashing", "hash_cmd"),
    ("submit", "clearinghouse.cli.statements", "submit_cmd"),
    ("retract", "clearinghouse.cli.statements", "retract_cmd"),
    ("feedback", "clearinghouse.cli.statements", "feedback_cmd"),
    ("match", "clearinghouse.cli.lookup", "match_cmd"),
    ("whoami", "clearinghouse.cli.whoami", "whoami"),
    ("labels", "clearinghouse.cli.listing", "labels_cmd"),
    ("signals", "clearinghouse.cli.listing", "signals"),
    ("export", "clearinghouse.cli.listing", "export_cmd"),
    ("audit", "clearinghouse.cli.audit", "audit"),
    ("demo", "clearinghouse.cli.demo", "demo"),
    ("site", "clearinghouse.cli.site", "site"),
    ("subscriptions", "clearinghouse.cli.subscriptions", "subscriptions"),
    ("suppressions", "clearinghouse.cli.suppressions", "suppressions"),
    ("incidents", "clearinghouse.cli.incidents", "incidents"),
    ("deliver", "clearinghouse.cli.deliver", "deliver"),
)
_WHERE = {name: (module, attribute) for name, module, attribute in COMMANDS}


def _load(name: str) -> click.Command | None:
    module, attribute = _WHERE[name]
    try:
        return getattr(importlib.import_module(module), attribute)
    except ModuleNotFoundError as exc:
        if exc.name == module:  # a command that is not part of this installation
            return None
        missing = missing_extra(exc)
        if missing is None:
            raise
        return _needs_extra(name, missing)


def build_cli() -> click.Group:
    """The command group (idempotent); commands are loaded when first needed."""
    return cli


def _needs_extra(name: str, missing: MissingExtra) -> click.Command:
    """A stand-in for a command whose dependencies are not installed."""

    def run(args: tuple[str, ...]) -> None:
        raise missing

    return click.Command(
        name,
        callback=run,
        params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
        help=f"(needs the [{missing.extra}] install of the repository checkout)",
        context_settings={"ignore_unknown_options": True, "help_option_names": []},
    )


def _reader_gone() -> None:
    """Point stdout at devnull, so that the interpreter's final flush of what the gone
    reader never took cannot fail again."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main() -> None:
    try:
        build_cli()(prog_name="clearinghouse")
    except BrokenPipeError:
        # The reader went away (`clearinghouse --help | head`): not an error of ours.
        _reader_gone()
        sys.exit(0)
