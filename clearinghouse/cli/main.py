"""The ``clearinghouse`` entry point: one click group, errors as one stderr line."""

from __future__ import annotations

import importlib
import sys

import click

from clearinghouse.cli.extras import MissingExtra, missing_extra
from clearinghouse.errors import ClearinghouseError

__all__ = ["build_cli", "cli", "main"]


class _Group(click.Group):
    """Turns project errors into a single stderr line and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ClearinghouseError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            for item in exc.errors:
                click.echo(f"  {item}", err=True)
            sys.exit(1)
        except MissingExtra as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except ModuleNotFoundError as exc:
            # A command that imports an optional dependency when it runs (hashing, the
            # server's): say which install provides it.
            missing = missing_extra(exc)
            if missing is None:
                raise
            click.echo(f"error: {missing}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="clearinghouse")
def cli() -> None:
    """Clearinghouse: share hashes of removed terrorist and violent-extremist media."""


# (command name, module, attribute). The member and audit commands need only the base
# install; the others need the server's dependencies and, when those are missing, are
# registered as a command that says so (DESIGN §12: a light install for members).
COMMANDS = (
    ("serve", "clearinghouse.cli.serve", "serve"),
    ("db", "clearinghouse.cli.db", "db"),
    ("keygen", "clearinghouse.cli.keys", "keygen"),
    ("keys", "clearinghouse.cli.keys", "keys"),
    ("members", "clearinghouse.cli.members", "members"),
    ("hash", "clearinghouse.cli.hashing", "hash_cmd"),
    ("submit", "clearinghouse.cli.member", "submit_cmd"),
    ("retract", "clearinghouse.cli.member", "retract_cmd"),
    ("feedback", "clearinghouse.cli.member", "feedback_cmd"),
    ("match", "clearinghouse.cli.member", "match_cmd"),
    ("demo", "clearinghouse.cli.demo", "demo"),
    ("audit", "clearinghouse.cli.audit", "audit"),
)


def build_cli() -> click.Group:
    """The command group with every command registered (idempotent)."""
    if cli.commands:
        return cli
    for name, module, attribute in COMMANDS:
        try:
            command = getattr(importlib.import_module(module), attribute)
        except ModuleNotFoundError as exc:
            missing = missing_extra(exc)
            if missing is None:
                raise
            command = _needs_extra(name, missing)
        cli.add_command(command, name)
    return cli


def _needs_extra(name: str, missing: MissingExtra) -> click.Command:
    """A stand-in for a command whose dependencies are not installed."""

    def run(args: tuple[str, ...]) -> None:
        raise missing

    return click.Command(
        name,
        callback=run,
        params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
        help=f"(needs pip install 'clearinghouse[{missing.extra}]')",
        context_settings={"ignore_unknown_options": True, "help_option_names": []},
    )


def main() -> None:
    build_cli()(prog_name="clearinghouse")
