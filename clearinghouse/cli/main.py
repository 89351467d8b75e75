"""The ``clearinghouse`` entry point: one click group, errors as one stderr line."""

from __future__ import annotations

import sys

import click

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


@click.group(cls=_Group)
@click.version_option(package_name="clearinghouse")
def cli() -> None:
    """Clearinghouse: share hashes of removed terrorist and violent-extremist media."""


def build_cli() -> click.Group:
    """The command group with every command registered (idempotent)."""
    if cli.commands:
        return cli
    from clearinghouse.cli import db, demo, hashing, keys, member, members, serve

    for command in (
        serve.serve,
        db.db,
        keys.keygen,
        keys.keys,
        members.members,
        hashing.hash_cmd,
        member.submit_cmd,
        member.retract_cmd,
        member.feedback_cmd,
        member.match_cmd,
        demo.demo,
    ):
        cli.add_command(command)
    try:
        from clearinghouse.cli.audit import audit
    except ImportError:  # the audit command lands separately
        audit = None
    if audit is not None:
        cli.add_command(audit)
    from clearinghouse.cli.site import site

    cli.add_command(site)
    return cli


def main() -> None:
    build_cli()(prog_name="clearinghouse")
