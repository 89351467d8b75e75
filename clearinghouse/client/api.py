"""``Client``: a member's view of one clearinghouse server (DESIGN §4–§6).

Statements are signed twice: the DSSE envelope with the member key says *what* the member
states (kept in the log forever), and the RFC 9421 request signature says *who is asking
now* (checked once, then forgotten). Answers are the decoded JSON bodies of the contract;
errors are the typed problems of ``client.errors``.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from clearinghouse.client.file_lookup import FileLookups
from clearinghouse.client.http import SignedSession
from clearinghouse.client.push_calls import PushCalls
from clearinghouse.client.statements import ENDPOINTS, sign_statement
from clearinghouse.crypto import Envelope, SigningKey, is_encrypted_pem, prove_possession
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.ijson import read_json
from clearinghouse.wire import LOG_ENTRIES_LIMIT, MATCH_QUERIES_LIMIT, b64decode

__all__ = [
    "MAX_LOG_ENTRIES",
    "MAX_MATCH_QUERIES",
    "PASSPHRASE_ENV",
    "Client",
    "key_file_warning",
    "load_signing_key",
]

log = logging.getLogger(__name__)

PASSPHRASE_ENV = "CLEARINGHOUSE_KEY_PASSPHRASE"
Passphrase = str | bytes | Callable[[str], str] | None

# Server defaults (DESIGN §5, §6): the client splits longer requests into several.
MAX_MATCH_QUERIES = MATCH_QUERIES_LIMIT
MAX_LOG_ENTRIES = LOG_ENTRIES_LIMIT

Items = Sequence[Mapping[str, Any]]
# Deeper than any answer of the contract (a vPDQ match is 7 levels), shallow enough that
# a hostile answer costs a scan, never a recursion.
ANSWER_DEPTH = 16


def load_signing_key(
    key: SigningKey | str | os.PathLike[str], passphrase: Passphrase = None
) -> SigningKey:
    """A signing key, or the key in a PKCS#8 PEM file at that path.

    An encrypted file is opened with ``passphrase``: text, or a function asked with the
    path (a prompt); without one, the environment's CLEARINGHOUSE_KEY_PASSPHRASE."""
    if isinstance(key, SigningKey):
        return key
    try:
        data = Path(key).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the member key {key}: {exc.strerror}") from None
    warning = key_file_warning(key)
    if warning:
        log.warning("%s", warning)
    if not is_encrypted_pem(data):
        try:
            return SigningKey.from_pem(data)
        except InvalidInput as exc:
            raise InvalidInput(f"the member key {key}: {exc.detail}") from None
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    if callable(passphrase):
        passphrase = passphrase(str(key))
    if not passphrase:
        raise InvalidInput(
            f"the member key {key} is encrypted: set {PASSPHRASE_ENV} or enter its passphrase"
        )
    try:
        return SigningKey.from_pem(data, passphrase)
    except InvalidInput as exc:
        raise InvalidInput(f"the member key {key}: {exc.detail}") from None


def key_file_warning(path: str | os.PathLike[str]) -> str | None:
    """A warning when a private key file is readable by its group or others."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"the private key {path} is readable by others (mode {mode:04o}); "
            f"run `chmod 600 {path}`"
        )
    return None


class Client(FileLookups, PushCalls):
    """A member of one server, signing every request and statement with ``key``.

    ``key`` is a SigningKey or the path of its PEM file. ``retries`` counts the extra
    attempts after a connection error or a 5xx answer; ``timeout`` is per attempt.
    """

    def __init__(
        self,
        server: str,
        member: str,
        key: SigningKey | str | os.PathLike[str],
        *,
        timeout: float = 10.0,
        retries: int = 3,
        session: requests.Session | None = None,
        passphrase: Passphrase = None,
        **session_options: Any,
    ) -> None:
        self.member = member
        self.key = load_signing_key(key, passphrase)
        self.http = SignedSession(
            server, self.key, timeout=timeout, retries=retries, session=session, **session_options
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Client:
        """A client from CLEARINGHOUSE_URL, CLEARINGHOUSE_MEMBER and CLEARINGHOUSE_KEY."""
        environ = os.environ if environ is None else environ
        names = ("CLEARINGHOUSE_URL", "CLEARINGHOUSE_MEMBER", "CLEARINGHOUSE_KEY")
        missing = [name for name in names if not environ.get(name)]
        if missing:
            raise InvalidInput(f"set {', '.join(missing)}")
        return cls(*(environ[name] for name in names), **options)

    @property
    def server(self) -> str:
        return self.http.server

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- statements (DESIGN §4.2) ---------------------------------------------------------

    def sign(self, kind: str, items: Items, *, created: datetime | str | None = None) -> Envelope:
        """The signed envelope of a ``submission``, ``retraction`` or ``feedback``."""
        return sign_statement(kind, self.member, items, self.key, created=created)

    def submit(self, items: Items, *, created: datetime | str | None = None) -> dict[str, Any]:
        """Submit hashes: ``{"signal_type", "value", "quality"?, "content_type", "labels"}``."""
        return self.submit_envelope("submission", self.sign("submission", items, created=created))

    def retract(self, items: Items, *, created: datetime | str | None = None) -> dict[str, Any]:
        """Withdraw own contributions: items ``{"signal_type", "value", "reason"}``."""
        return self.submit_envelope("retraction", self.sign("retraction", items, created=created))

    def feedback(self, items: Items, *, created: datetime | str | None = None) -> dict[str, Any]:
        """Agree or disagree: items ``{"signal_type", "value", "verdict", "reason"}``."""
        return self.submit_envelope("feedback", self.sign("feedback", items, created=created))

    def submit_envelope(self, endpoint: str, envelope: Envelope | bytes) -> dict[str, Any]:
        """POST a signed envelope (or its exact JSON bytes); re-sending one is idempotent.

        ``endpoint`` is a kind (``submission``…) or a path (``/v1/submissions``…). The
        answer is ``{"statement_id", "log_index", "items", "checkpoint", "inclusion_proof"}``.
        """
        path = ENDPOINTS.get(endpoint, endpoint)
        if path not in ENDPOINTS.values():
            raise ValueError(f"not a statement endpoint: {endpoint!r}")
        body = envelope.to_json() if isinstance(envelope, Envelope) else bytes(envelope)
        return self._json("POST", path, body=body)

    # -- matching (DESIGN §5) --------------------------------------------------------------

    def match(self, queries: Iterable[Mapping[str, Any]], *, dihedral: bool = False) -> list[dict]:
        """One ``{"matches": [...]}`` per query ``{"signal_type", "value", "max_distance"?}``.

        More than 1,000 queries are sent as several requests; order is kept.
        """
        queries = [dict(q) for q in queries]
        results: list[dict] = []
        for start in range(0, len(queries), MAX_MATCH_QUERIES):
            batch = queries[start : start + MAX_MATCH_QUERIES]
            body: dict[str, Any] = {"queries": batch}
            if dihedral:
                body["dihedral"] = True
            answer = self._json("POST", "/v1/match", body=_json_bytes(body))
            found = answer.get("results")
            if not isinstance(found, list) or len(found) != len(batch):
                raise VerificationError("the match answer does not have one result per query")
            results.extend(found)
        return results

    def match_one(
        self, signal_type: str, value: Any, max_distance: int | None = None, *, dihedral=False
    ) -> list[dict]:
        """The matches of one hash, nearest first (GET; vPDQ frame lists go by POST)."""
        if not isinstance(value, str):
            query = {"signal_type": signal_type, "value": value}
            if max_distance is not None:
                query["max_distance"] = max_distance
            return self.match([query], dihedral=dihedral)[0].get("matches", [])
        params = {"signal_type": signal_type, "value": value, "max_distance": max_distance}
        answer = self._json("GET", "/v1/match", query={**params, "dihedral": dihedral or None})
        # The single lookup answers like the batch one, with one result; a bare
        # {"matches": [...]} is accepted too.
        if isinstance(answer.get("results"), list) and answer["results"]:
            return answer["results"][0].get("matches", [])
        return answer.get("matches", [])

    # -- signals and the change feed -------------------------------------------------------

    def signal(self, signal_id: int | str) -> dict[str, Any]:
        """One signal: labels, counts, confirmed/disputed and this member's contribution."""
        return self._json("GET", f"/v1/signals/{signal_id}")

    def signals(self, after: str | int | None = None, limit: int | None = None) -> dict[str, Any]:
        """One page of the change feed: ``{"signals": [...], "next": cursor or null}``."""
        return self._json("GET", "/v1/signals", query={"after": after, "limit": limit})

    def iter_signal_pages(
        self, after: str | int | None = None, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Pages of the change feed from ``after`` until caught up.

        Keep the last page's ``next`` (when not null) to resume a mirror later. The feed
        is caught up when ``next`` is null, the page is empty, or the cursor stops moving.
        """
        while True:
            page = self.signals(after, limit)
            yield page
            cursor = page.get("next")
            if cursor is None or not page.get("signals") or cursor == after:
                return
            after = cursor

    def iter_signals(self, after: str | int | None = None) -> Iterator[dict[str, Any]]:
        """Every signal state in the change feed from ``after`` (tombstones included)."""
        for page in self.iter_signal_pages(after):
            yield from page.get("signals", [])

    def labels(self) -> list[dict[str, Any]]:
        """The labels statements may use: ``[{"label", "family", "description"}]``."""
        labels = self._json("GET", "/v1/labels").get("labels")
        if not isinstance(labels, list):
            raise VerificationError("the labels answer has no list of labels")
        return labels

    def whoami(self) -> dict[str, Any]:
        """``{"member", "key_id", "roles"}`` of the key this client signs with."""
        return self._json("GET", "/v1/members/me")

    def check_member(self) -> dict[str, Any]:
        """Refuse to go on when the key belongs to another member than ``self.member``."""
        me = self.whoami()
        if me.get("member") != self.member:
            raise InvalidInput(
                f"--member {self.member}: key {self.key.key_id} belongs to member "
                f"{me.get('member')!r}; give that member or its own key"
            )
        return me

    # -- keys -----------------------------------------------------------------------------

    def add_key(self, new_key: SigningKey | str | os.PathLike[str]) -> dict[str, Any]:
        """Add ``new_key`` (a SigningKey or its PEM file) to this member, asked with the
        current key; the new key signs a possession proof, so its private half is needed."""
        new_key = load_signing_key(new_key)
        proof = prove_possession(new_key, self.member, now=self.http.clock())
        public_pem = new_key.verify_key.to_pem().decode("ascii")
        body = _json_bytes({"public_key": public_pem, "proof": proof})
        return self._json("POST", "/v1/keys", body=body, idempotent=False)

    def revoke_key(self, key_id: str, force: bool = False) -> dict[str, Any]:
        """Revoke one of this member's keys; ``force`` allows revoking the last active one."""
        return self._json(
            "DELETE",
            f"/v1/keys/{key_id}",
            query={"force": True if force else None},
            idempotent=False,
        )

    # -- the transparency log (DESIGN §6) --------------------------------------------------

    def log_checkpoint(self) -> str:
        """The latest signed checkpoint note (public)."""
        return self.http.request("GET", "/v1/log/checkpoint", signed=False).text

    def log_key(self) -> str:
        """The log's verifier key in note ``vkey`` form (public)."""
        return self.http.request("GET", "/v1/log/key", signed=False).text.strip()

    def log_entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """``(index, entry bytes)`` for ``start <= index < end``, following the server's pages
        (at most 1,000 entries and a byte budget each)."""
        if not 0 <= start <= end:
            raise InvalidInput(f"no log range from {start} to {end}")
        out: list[tuple[int, bytes]] = []
        while start < end:
            stop = min(end, start + MAX_LOG_ENTRIES)
            answer = self._json("GET", "/v1/log/entries", query={"start": start, "end": stop})
            page = [(int(e["index"]), _b64(e["data"], "entry")) for e in answer.get("entries", [])]
            if not page:
                raise VerificationError(f"the log has no entry {start}")
            if [i for i, _ in page] != list(range(start, start + len(page))):
                raise VerificationError("the log answered entries out of order")
            # A page is bounded in bytes too: a short one names where the rest begins.
            following = answer.get("next")
            if following is not None and following != start + len(page):
                raise VerificationError(
                    f"the log's next cursor {following!r} is not the entry after the page"
                )
            out.extend(page)
            start += len(page)
        return out

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """The audit path of entry ``index`` in the tree of ``tree_size`` entries."""
        answer = self._json(
            "GET", "/v1/log/proof/inclusion", query={"index": index, "tree_size": tree_size}
        )
        return [_b64(h, "proof hash") for h in answer.get("hashes", [])]

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``first`` entries is a prefix of the one of ``second``."""
        answer = self._json(
            "GET", "/v1/log/proof/consistency", query={"first": first, "second": second}
        )
        return [_b64(h, "proof hash") for h in answer.get("hashes", [])]

    def site_login(self) -> dict[str, Any]:
        """A one-time URL that signs a browser in to the transparency site (read-only)."""
        return self._json("POST", "/v1/site/login")

    # -- plumbing --------------------------------------------------------------------------

    def _json(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        response = self.http.request(method, path, **kw)
        if not response.content:
            return {}
        try:
            answer = read_json(response.content, what="answer", max_depth=ANSWER_DEPTH)
        except InvalidInput as exc:
            raise VerificationError(f"{method} {path}: the {exc.detail}") from None
        if not isinstance(answer, dict):
            raise VerificationError(f"{method} {path}: the answer is not a JSON object")
        return answer


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _b64(text: Any, what: str) -> bytes:
    try:
        return b64decode(text)
    except (TypeError, ValueError):
        raise VerificationError(f"the server sent a malformed base64 {what}") from None
