"""The meaning of log entries, replayed in order: membership, keys and statements.

Holds are replayed too: a signal is held (by the checker or the operator) only while it
is not held, and released (by the operator, or by a contributor's release statement)
only while it is.

The auditor trusts no member list but the log's own: ``member_added`` and ``key_added``
make a key active from their index on, ``key_revoked`` ends it there, ``member_suspended``
stops a member's statements until ``member_unsuspended``, and ``member_roles_changed``
sets the roles its later statements need. A statement is then checked the way the server claims it
checked it when it was accepted: its envelope is well formed, of the entry's kind, signed
by the entry's key, which was an active key of the entry's member at that point of the
log, and its payload names that member. Memory grows with the number of members and keys,
never with the number of entries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rfc8785

from clearinghouse.crypto import Envelope
from clearinghouse.crypto.keys import key_id_of
from clearinghouse.errors import ClearinghouseError, InvalidInput
from clearinghouse.ijson import read_json
from clearinghouse.wire import (
    ENTRY_TYPES,
    HOLDERS,
    MEMBER_ID,
    PAYLOAD_TYPES,
    ROLES,
    STATEMENT_ROLES,
    b64decode,
)

__all__ = ["ENTRY_TYPES", "EntryChecker", "SignatureJob"]

_ROLES = frozenset(ROLES)
ENTRY_DEPTH = 16  # an entry holding a vPDQ submission is 7 levels deep
# The one spelling the server writes (``wire.iso``): fixed width, so the
# text order is the time order.
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


@dataclass(frozen=True)
class SignatureJob:
    """One statement signature to check: the key, the DSSE PAE and the candidate signatures."""

    index: int
    member: str
    key_id: str
    public_key: bytes
    message: bytes
    signatures: tuple[bytes, ...]


@dataclass
class _Key:
    member: str
    public_key: bytes
    added: int
    revoked: int | None = None


@dataclass
class _Member:
    roles: frozenset[str]
    added: int
    suspended: int | None = None


class EntryChecker:
    """Replays entries in index order; reports through ``problem(index, check, detail)``."""

    def __init__(self, problem: Callable[[int | None, str, str], None]) -> None:
        self.problem = problem
        self.members: dict[str, _Member] = {}
        self.keys: dict[str, _Key] = {}
        self._last_time: str | None = None
        self.held: dict[int, int] = {}  # held signal id -> the index of its hold

    def check(self, index: int, data: bytes) -> SignatureJob | None:
        """Check one entry; a statement's signature is returned to check, not checked here."""
        entry = self._decode(index, data)
        if entry is None:
            return None
        kind = entry.get("type")
        if kind not in ENTRY_TYPES:
            self.problem(index, "entry", f"unknown entry type {kind!r}")
            return None
        self._check_time(index, entry.get("time"))
        if kind in PAYLOAD_TYPES:
            job = self._statement(index, kind, entry)
            if kind == "release" and job is not None:
                self._released_by_statement(index, entry)
            return job
        getattr(self, f"_{kind}")(index, entry)
        return None

    # -- the entry as bytes ---------------------------------------------------------------

    def _decode(self, index: int, data: bytes) -> dict[str, Any] | None:
        try:  # strictly, and depth-safe: a hostile server's entry is a finding, not a crash
            entry = read_json(data, what="entry", max_depth=ENTRY_DEPTH)
        except InvalidInput as exc:
            self.problem(index, "entry", f"not strict JSON ({exc.detail})")
            return None
        if not isinstance(entry, dict):
            self.problem(index, "entry", "not a JSON object")
            return None
        # Entries hold only strings, integers, lists and objects with ASCII keys, for which
        # this is RFC 8785; the slow canonicaliser settles any other case.
        fast = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if fast.encode() != data and _canonical(entry) != data:
            self.problem(index, "entry", "not in RFC 8785 canonical form")
        return entry

    def _check_time(self, index: int, time: Any) -> None:
        if not isinstance(time, str) or not TIME.fullmatch(time):
            self.problem(index, "time", f"{time!r} is not a time as the log writes it")
            return
        if self._last_time is not None and time < self._last_time:
            self.problem(
                index, "time", f"{time} is earlier than the previous entry's {self._last_time}"
            )
        self._last_time = time

    # -- membership -----------------------------------------------------------------------

    def _member_added(self, index: int, entry: dict[str, Any]) -> None:
        member = self._member_id(index, entry)
        if member is None:
            return
        if member in self.members:
            self.problem(index, "member", f"member {member!r} was already added")
            return
        if not isinstance(entry.get("name"), str) or not entry["name"].strip():
            self.problem(index, "member", "name is missing or empty")
        roles = entry.get("roles")
        if not isinstance(roles, list) or not roles or not set(roles) <= _ROLES:
            self.problem(index, "member", f"roles {roles!r} are not a subset of {sorted(_ROLES)}")
            roles = []
        self.members[member] = _Member(frozenset(roles), index)
        self._add_key(index, member, entry)

    def _member_suspended(self, index: int, entry: dict[str, Any]) -> None:
        member = self._known_member(index, entry)
        if member is None:
            return
        if member.suspended is not None:
            self.problem(index, "member", f"already suspended at entry {member.suspended}")
            return
        member.suspended = index

    def _member_unsuspended(self, index: int, entry: dict[str, Any]) -> None:
        member = self._known_member(index, entry)
        if member is None:
            return
        if member.suspended is None:
            self.problem(index, "member", "unsuspended while not suspended")
            return
        member.suspended = None

    def _member_roles_changed(self, index: int, entry: dict[str, Any]) -> None:
        member = self._known_member(index, entry)
        if member is None:
            return
        roles = entry.get("roles")
        if not isinstance(roles, list) or not roles or not set(roles) <= _ROLES:
            self.problem(index, "member", f"roles {roles!r} are not a subset of {sorted(_ROLES)}")
            return
        member.roles = frozenset(roles)

    def _key_added(self, index: int, entry: dict[str, Any]) -> None:
        if self._known_member(index, entry) is None:
            return
        if not isinstance(entry.get("by"), str):
            self.problem(index, "key", "by is missing")
        self._add_key(index, entry["member"], entry)

    def _key_revoked(self, index: int, entry: dict[str, Any]) -> None:
        if self._known_member(index, entry) is None:
            return
        key_id = entry.get("key_id")
        key = self.keys.get(key_id) if isinstance(key_id, str) else None
        if key is None or key.member != entry["member"]:
            self.problem(index, "key", f"{entry['member']!r} has no key {key_id!r} to revoke")
        elif key.revoked is not None:
            self.problem(index, "key", f"key {key_id} was already revoked at entry {key.revoked}")
        else:
            key.revoked = index

    def _taxonomy(self, index: int, entry: dict[str, Any]) -> None:
        """A taxonomy change carries no key or signature to check."""

    # -- holds ----------------------------------------------------------------------------

    def _signal_held(self, index: int, entry: dict[str, Any]) -> None:
        signal_id = self._hold_fields(index, entry, HOLDERS)
        if signal_id is None:
            return
        if signal_id in self.held:
            self.problem(
                index, "hold", f"signal {signal_id} is held since entry {self.held[signal_id]}"
            )
            return
        self.held[signal_id] = index

    def _signal_released(self, index: int, entry: dict[str, Any]) -> None:
        signal_id = self._hold_fields(index, entry, ("operator",))
        if signal_id is not None:
            self._release(index, signal_id)

    def _released_by_statement(self, index: int, entry: dict[str, Any]) -> None:
        """A contributor's release (whether it contributes is the server's to know)."""
        try:
            payload = json.loads(Envelope.from_dict(entry["envelope"]).payload)
        except (ClearinghouseError, ValueError):
            return  # the envelope was named a problem already
        signal_id = payload.get("signal_id") if isinstance(payload, dict) else None
        if isinstance(signal_id, bool) or not isinstance(signal_id, int) or signal_id < 1:
            self.problem(index, "hold", f"signal_id {signal_id!r} is not a signal id")
            return
        self._release(index, signal_id)

    def _release(self, index: int, signal_id: int) -> None:
        if self.held.pop(signal_id, None) is None:
            self.problem(index, "hold", f"signal {signal_id} is released but not held")

    def _hold_fields(self, index: int, entry: dict[str, Any], by: tuple[str, ...]) -> int | None:
        signal_id = entry.get("signal_id")
        if isinstance(signal_id, bool) or not isinstance(signal_id, int) or signal_id < 1:
            self.problem(index, "hold", f"signal_id {signal_id!r} is not a signal id")
            return None
        if entry.get("by") not in by:
            self.problem(index, "hold", f"by {entry.get('by')!r} is not one of {', '.join(by)}")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            self.problem(index, "hold", "reason is missing or empty")
        return signal_id

    def _member_id(self, index: int, entry: dict[str, Any]) -> str | None:
        member = entry.get("member")
        if not isinstance(member, str) or not MEMBER_ID.fullmatch(member):
            self.problem(index, "member", f"member {member!r} is not a member id")
            return None
        return member

    def _known_member(self, index: int, entry: dict[str, Any]) -> _Member | None:
        member_id = self._member_id(index, entry)
        if member_id is None:
            return None
        member = self.members.get(member_id)
        if member is None:
            self.problem(index, "member", f"member {member_id!r} was never added")
        return member

    def _add_key(self, index: int, member: str, entry: dict[str, Any]) -> None:
        key_id, encoded = entry.get("key_id"), entry.get("public_key")
        raw = _b64(encoded) if isinstance(encoded, str) else None
        if raw is None or len(raw) != 32:
            self.problem(index, "key", "public_key is not base64 of a 32-byte Ed25519 key")
            return
        if key_id != key_id_of(raw):
            self.problem(index, "key", f"key_id {key_id!r} is not the key's id {key_id_of(raw)}")
            return
        if key_id in self.keys:
            self.problem(
                index, "key", f"key {key_id} was already added at entry {self.keys[key_id].added}"
            )
            return
        self.keys[key_id] = _Key(member, raw, index)

    # -- statements -----------------------------------------------------------------------

    def _statement(self, index: int, kind: str, entry: dict[str, Any]) -> SignatureJob | None:
        member_id = self._member_id(index, entry)
        key_id = entry.get("key_id")
        try:
            envelope = Envelope.from_dict(entry.get("envelope"))
        except ClearinghouseError as exc:
            self.problem(index, "envelope", exc.detail)
            return None
        if member_id is None:
            return None
        if envelope.payload_type != PAYLOAD_TYPES[kind]:
            self.problem(index, "envelope", f"payloadType {envelope.payload_type!r} in a {kind}")
        self._payload_member(index, member_id, envelope.payload)
        member = self.members.get(member_id)
        if member is None:
            self.problem(index, "member", f"member {member_id!r} was never added")
        else:
            if member.suspended is not None:
                self.problem(
                    index, "member", f"{member_id!r} was suspended at entry {member.suspended}"
                )
            if STATEMENT_ROLES[kind] not in member.roles:
                self.problem(
                    index,
                    "member",
                    f"{member_id!r} lacks the {STATEMENT_ROLES[kind]!r} role a {kind} needs",
                )
        key = self.keys.get(key_id) if isinstance(key_id, str) else None
        if key is None:
            self.problem(index, "key", f"key {key_id!r} was never added to the log")
            return None
        if key.member != member_id:
            self.problem(index, "key", f"key {key_id} belongs to {key.member!r}, not {member_id!r}")
            return None
        if key.revoked is not None:
            self.problem(index, "key", f"key {key_id} was revoked at entry {key.revoked}")
        signatures = tuple(sig for keyid, sig in envelope.signatures if keyid == key_id)
        if not signatures:
            self.problem(index, "signature", f"the envelope has no signature by key {key_id}")
            return None
        return SignatureJob(index, member_id, key_id, key.public_key, envelope.pae(), signatures)

    def _payload_member(self, index: int, member_id: str, payload: bytes) -> None:
        try:
            named = read_json(payload, what="payload", max_depth=ENTRY_DEPTH).get("member")
        except (InvalidInput, AttributeError):
            self.problem(index, "payload", "the statement payload is not a JSON object")
            return
        if named != member_id:
            self.problem(index, "payload", f"the payload names {named!r}, the entry {member_id!r}")


def _canonical(entry: Any) -> bytes | None:
    try:
        return rfc8785.dumps(entry)
    except (rfc8785.CanonicalizationError, ValueError, TypeError):
        return None


def _b64(text: str) -> bytes | None:
    try:
        return b64decode(text)
    except ValueError:
        return None
