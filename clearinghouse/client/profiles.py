"""Named profiles: which server, member and key a member command uses, from a file.

Instead of three environment variables, a TOML file (``~/.config/clearinghouse/
profiles.toml``, or the file named by ``CLEARINGHOUSE_PROFILES``) holds one table per
profile::

    [default]
    server = "https://clearinghouse.example.org"
    member = "acme"
    key = "keys/acme.key"      # relative paths are relative to the file

A command's ``--server``/``--member``/``--key`` win over everything; then the profile
named by ``--profile`` (or ``CLEARINGHOUSE_PROFILE``); then the ``CLEARINGHOUSE_URL``,
``_MEMBER`` and ``_KEY`` variables; then the ``default`` profile, when the file has one.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from clearinghouse.errors import InvalidInput

__all__ = ["FIELDS", "PROFILES_ENV", "PROFILE_ENV", "Profile", "load_profile", "profiles_path"]

PROFILES_ENV = "CLEARINGHOUSE_PROFILES"
PROFILE_ENV = "CLEARINGHOUSE_PROFILE"
FIELDS = ("server", "member", "key")


@dataclass(frozen=True)
class Profile:
    """One named profile; a field it does not set is None."""

    name: str
    server: str | None = None
    member: str | None = None
    key: str | None = None


def profiles_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the profiles file is: CLEARINGHOUSE_PROFILES, else the XDG config folder."""
    environ = os.environ if environ is None else environ
    if environ.get(PROFILES_ENV):
        return Path(environ[PROFILES_ENV]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "clearinghouse" / "profiles.toml"


def load_profile(name: str | None, environ: Mapping[str, str] | None = None) -> Profile | None:
    """The profile ``name`` (InvalidInput when the file lacks it), or with ``name`` None
    the ``default`` profile when there is one (else None)."""
    path = profiles_path(environ)
    wanted = name or "default"
    if not path.is_file():
        if name is None:
            return None
        raise InvalidInput(f"--profile {name}: there is no profiles file {path}")
    try:
        tables = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"the profiles file {path} is not valid TOML: {exc}") from None
    table = tables.get(wanted)
    if table is None:
        if name is None:
            return None
        known = ", ".join(sorted(tables)) or "none"
        raise InvalidInput(f"--profile {name}: not in {path} (profiles there: {known})")
    if not isinstance(table, dict):
        raise InvalidInput(f"{path}: [{wanted}] is not a table")
    unknown = sorted(set(table) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            f"{path}: [{wanted}] has unknown key {unknown[0]!r} (known: {', '.join(FIELDS)})"
        )
    values = {}
    for field in FIELDS:
        value = table.get(field)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{path}: [{wanted}] {field} is not a string")
        values[field] = value
    if values["key"]:
        key = Path(values["key"]).expanduser()
        values["key"] = str(key if key.is_absolute() else path.parent / key)
    return Profile(wanted, **values)
