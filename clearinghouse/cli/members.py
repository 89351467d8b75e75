"""``clearinghouse members``: register, list, suspend, unsuspend members and change roles.

Every change is a log entry."""

from __future__ import annotations

import json

import click

from clearinghouse.cli.common import emit, json_option, operator_root
from clearinghouse.cli.keys import read_public_key
from clearinghouse.services.use_cases import members as member_service

__all__ = ["members"]


@click.group()
def members() -> None:
    """Manage members."""


@members.command("add")
@click.argument("member_id")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--roles", required=True, help="Comma-separated: submitter,matcher,auditor.")
@click.option("--public-key", required=True, type=click.Path(dir_okay=False))
@json_option
def add(member_id: str, name: str, roles: str, public_key: str, as_json: bool) -> None:
    """Register MEMBER_ID with its first key."""
    key = read_public_key(public_key)
    emit(member_service.add_member(operator_root().db, member_id, name, roles, key), as_json)


@members.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List members, one per line."""
    for row in member_service.list_members(operator_root().db):
        if as_json:
            click.echo(json.dumps(row))
        else:
            keys = ",".join(k["key_id"] for k in row["keys"] if k["status"] == "active")
            click.echo(f"{row['member']}\t{row['status']}\t{','.join(row['roles'])}\t{keys}")


@members.command("suspend")
@click.argument("member_id")
@json_option
def suspend(member_id: str, as_json: bool) -> None:
    """Suspend MEMBER_ID: its requests are refused from now on."""
    emit(member_service.suspend_member(operator_root().db, member_id), as_json)


@members.command("unsuspend")
@click.argument("member_id")
@json_option
def unsuspend(member_id: str, as_json: bool) -> None:
    """Lift the suspension of MEMBER_ID: its active keys sign again."""
    emit(member_service.unsuspend_member(operator_root().db, member_id), as_json)


@members.command("roles")
@click.argument("member_id")
@click.option("--roles", required=True, help="The new roles, comma-separated: replace the old.")
@json_option
def roles(member_id: str, roles: str, as_json: bool) -> None:
    """Give MEMBER_ID exactly the roles given (e.g. --roles submitter,matcher)."""
    result = member_service.change_roles(operator_root().db, member_id, roles)
    text = f"{member_id}: roles {','.join(result['previous'])} -> {','.join(result['roles'])}"
    emit(result, as_json, text=text)
