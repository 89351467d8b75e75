"""``clearinghouse keygen`` and ``clearinghouse keys``: member keys."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

from clearinghouse.cli.common import emit, json_option, operator_root
from clearinghouse.crypto.keys import SigningKey, VerifyKey
from clearinghouse.errors import Conflict, InvalidInput
from clearinghouse.wire import MEMBER_ID

PASSPHRASE_ENV = "CLEARINGHOUSE_KEY_PASSPHRASE"  # as clearinghouse.client.api reads it

__all__ = ["keygen", "keys", "read_public_key", "write_new_file"]


def write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a new file ``path`` with exactly ``mode``, atomically.

    The bytes go to a temporary file in the same folder, made with ``O_EXCL`` and
    ``O_NOFOLLOW``, get their mode with ``fchmod`` (so the umask cannot widen or narrow
    it) and are then hard-linked into place: ``link`` never follows a symlink and fails
    when anything, a dangling symlink included, already has the name.
    """
    if path.is_symlink():
        raise InvalidInput(f"{path} is a symbolic link; refusing to write a key through it")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temporary, path, follow_symlinks=False)
        except FileExistsError:
            raise Conflict(f"{path} already exists; refusing to overwrite a key") from None
    finally:
        temporary.unlink(missing_ok=True)


@click.command()
@click.argument("name")
@click.option("--dir", "directory", default="keys", show_default=True, type=click.Path())
@click.option(
    "--passphrase",
    is_flag=True,
    help=f"Encrypt the private key (PKCS#8) with a passphrase: {PASSPHRASE_ENV}, or asked "
    "twice on the terminal. Member commands ask for it, or read the same variable.",
)
@json_option
def keygen(name: str, directory: str, passphrase: bool, as_json: bool) -> None:
    """Write NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub; print the key_id.

    NAME follows the rule of member ids (`members add` refuses others), so the key of
    a member can be named after it: lowercase letters, digits and '-', 2–63 characters.
    """
    if not MEMBER_ID.fullmatch(name):
        raise InvalidInput(
            f"NAME: {name!r} does not match {MEMBER_ID.pattern} (the rule of member ids: "
            "lowercase letters, digits and '-', 2–63 characters)"
        )
    secret = _new_passphrase() if passphrase else None
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / f"{name}.key", folder / f"{name}.pub"
    for path in (private, public):
        if path.is_symlink():
            raise InvalidInput(f"{path} is a symbolic link; refusing to write a key through it")
    if private.exists() or public.exists():
        raise Conflict(f"{private} or {public} already exists; refusing to overwrite a key")
    key = SigningKey.generate()
    write_new_file(private, key.to_pem(secret), 0o600)
    try:
        write_new_file(public, key.verify_key.to_pem(), 0o644)
    except Exception:
        private.unlink(missing_ok=True)  # a key without its .pub would only confuse
        raise
    emit(
        {"key_id": key.key_id, "private_key": str(private), "public_key": str(public)},
        as_json,
        text=key.key_id,
    )


def _new_passphrase() -> str:
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        raise InvalidInput(f"--passphrase: set {PASSPHRASE_ENV} (no terminal to ask on)")
    secret = click.prompt(
        "Passphrase for the new key", hide_input=True, confirmation_prompt=True, err=True
    )
    if not secret:
        raise InvalidInput("--passphrase: the passphrase is empty")
    return secret


def read_public_key(path: str) -> VerifyKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"--public-key: cannot read {path}: {exc.strerror}") from None
    return VerifyKey.from_pem(data)


@click.group()
def keys() -> None:
    """Add or revoke member keys (logged)."""


@keys.command("add")
@click.argument("member", required=False)
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False),
    help="Operator: add this public key to MEMBER, in the database directly.",
)
@click.option(
    "--new-key",
    type=click.Path(dir_okay=False),
    help="Member: add the key of this PRIVATE key file through the server; it signs a "
    "proof of possession, the request is signed with --key.",
)
@click.option("--server", envvar="CLEARINGHOUSE_URL", metavar="URL", help="With --new-key.")
@click.option(
    "--key", "key_path", envvar="CLEARINGHOUSE_KEY", metavar="FILE", help="With --new-key."
)
@json_option
def add(
    member: str | None,
    public_key: str | None,
    new_key: str | None,
    server: str | None,
    key_path: str | None,
    as_json: bool,
) -> None:
    """Add a key to MEMBER: by the operator (--public-key) or by the member (--new-key)."""
    if (public_key is None) == (new_key is None):
        raise click.UsageError("give exactly one of --public-key (operator) or --new-key (member)")
    member = member or os.environ.get("CLEARINGHOUSE_MEMBER")
    if not member:
        raise click.UsageError("MEMBER is required (or CLEARINGHOUSE_MEMBER with --new-key)")
    if public_key is not None:
        from clearinghouse.services.use_cases import members as member_service  # the server install

        result = member_service.add_key(operator_root().db, member, read_public_key(public_key))
    else:
        if not server or not key_path:
            raise click.UsageError("--new-key needs --server and --key (or their variables)")
        from clearinghouse.cli.connection import load_member_key, make_client

        with make_client(server, member, key_path) as client:
            result = client.add_key(load_member_key(new_key))
    emit(result, as_json)


@keys.command("revoke")
@click.argument("member")
@click.argument("key_id")
@click.option("--force", is_flag=True, help="Allow revoking the member's last active key.")
@json_option
def revoke(member: str, key_id: str, force: bool, as_json: bool) -> None:
    """Revoke KEY_ID of MEMBER; what it signed before stays valid history."""
    from clearinghouse.services.use_cases import (
        members as member_service,  # needs the server install
    )

    emit(member_service.revoke_key(operator_root().db, member, key_id, force=force), as_json)
