"""``ClearinghouseSignalExchangeAPI``: a clearinghouse as a python-threatexchange exchange.

A fetch first proves the server's signed log an extension of the tree head saved in the
checkpoint (a rewritten or forked log stops it), then follows ``GET /v1/signals`` page by
page from the saved cursor, one ``FetchDelta`` per page keyed by signal id: kept signals
as records, retracted or filtered-out ones as deletions.
"""

import json
import logging
import typing as t

from threatexchange.exchanges import auth, fetch_state, signal_exchange_api
from threatexchange.signal_type.signal_base import SignalType

from clearinghouse.client import AuthenticationProblem, Client, ForbiddenProblem
from clearinghouse.client.audit.trust import trusted_checkpoint
from clearinghouse.errors import ClearinghouseError, InvalidInput, VerificationError
from clearinghouse.exchange import signal_types as type_names
from clearinghouse.exchange.collab import (
    CREDENTIALS_ENV,
    ClearinghouseCollabConfig,
    ClearinghouseCredentials,
)
from clearinghouse.exchange.feed import parse_page
from clearinghouse.exchange.records import (
    ClearinghouseCheckpoint,
    ClearinghouseSignalMetadata,
    log_identity,
)
from clearinghouse.tlog import Checkpoint, verify_consistency
from clearinghouse.wire import FEED_PAGE_LIMIT, b64encode

__all__ = ["ClearinghouseSignalExchangeAPI"]

log = logging.getLogger(__name__)

Delta = fetch_state.FetchDelta[int, ClearinghouseSignalMetadata, ClearinghouseCheckpoint]

PAGE_SIZE = FEED_PAGE_LIMIT  # the most the server serves per page


class ClearinghouseSignalExchangeAPI(
    auth.SignalExchangeWithAuth[ClearinghouseCollabConfig, ClearinghouseCredentials],
    signal_exchange_api.SignalExchangeAPI[
        ClearinghouseCollabConfig,
        ClearinghouseCheckpoint,
        ClearinghouseSignalMetadata,
        int,
        ClearinghouseSignalMetadata,
    ],
):
    """Fetch a clearinghouse's signals and send agree/disagree feedback, as one member."""

    def __init__(
        self, collab: ClearinghouseCollabConfig, client: Client, page_size: int = PAGE_SIZE
    ) -> None:
        self.collab = collab
        self.client = client
        self.page_size = page_size
        self._log = ""  # the identity of the log being fetched, once its key is trusted

    @classmethod
    def get_name(cls) -> str:
        return "clearinghouse"

    @staticmethod
    def get_config_cls() -> type[ClearinghouseCollabConfig]:
        return ClearinghouseCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[ClearinghouseCheckpoint]:
        return ClearinghouseCheckpoint

    @staticmethod
    def get_record_cls() -> type[ClearinghouseSignalMetadata]:
        return ClearinghouseSignalMetadata

    @staticmethod
    def get_credential_cls() -> type[ClearinghouseCredentials]:
        return ClearinghouseCredentials

    @classmethod
    def for_collab(
        cls,
        collab: ClearinghouseCollabConfig,
        credentials: ClearinghouseCredentials | None = None,
    ) -> "ClearinghouseSignalExchangeAPI":
        credentials = credentials or ClearinghouseCredentials.get(cls)
        try:
            client = Client(collab.server_url, credentials.member, credentials.key_path)
        except InvalidInput as exc:  # an unreadable or malformed key file: one line
            message = f"{exc.detail} (key_path of {CREDENTIALS_HINT})"
            log.critical("%s: %s", collab.name, message)  # HMA logs only its traceback
            raise auth.SignalExchangeAPIInvalidAuthException(cls, message) from None
        return cls(collab, client)

    # -- fetching -------------------------------------------------------------------------

    def fetch_iter(
        self,
        supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: ClearinghouseCheckpoint | None,
    ) -> t.Iterator[Delta]:
        try:
            yield from self._fetch(checkpoint)
        except ClearinghouseError as exc:
            # HMA and the threatexchange CLI print only "failed to fetch!" (the CLI logs
            # the cause only when verbose): say what happened, and raise it named.
            explained = _explained(exc, self.client)
            log.critical("%s: %s", self.collab.name, explained.detail)
            raise explained from None

    def _fetch(self, checkpoint: ClearinghouseCheckpoint | None) -> t.Iterator[Delta]:
        saved = checkpoint or ClearinghouseCheckpoint()
        head, vkey = self._verified_tree_head(saved)
        self._log = log_identity(vkey)
        cursor, moment = saved.cursor, saved.checkpoint_time
        previous = moment  # the last page time seen, which the next may not go below
        filters = self._filters()
        if saved.filters != filters:
            # Changed filters: read the whole feed again, so that every signal the new
            # ones drop arrives as a deletion and every one they now keep as a record.
            # The progress reported stays where it was until the feed passes it again.
            cursor, previous = None, None
        while True:
            page = parse_page(self.client.signals(cursor, self.page_size), cursor)
            if page.checkpoint_time is not None:
                if previous is not None and page.checkpoint_time < previous:
                    raise VerificationError(
                        f"the change feed went back in time, from {previous} to "
                        f"{page.checkpoint_time} (Unix seconds)"
                    )
                previous = page.checkpoint_time
                moment = previous if moment is None else max(moment, previous)
            updates = {s["signal_id"]: self._record(s) for s in page.signals}
            cursor = page.next if page.signals else cursor
            yield fetch_state.FetchDelta(
                updates,
                ClearinghouseCheckpoint(
                    cursor=cursor,
                    checkpoint_time=moment,
                    tree_size=head.size,
                    root_hash=b64encode(head.root_hash),
                    log_key=vkey,
                    filters=filters,
                ),
            )
            if not page.signals:
                return

    def _verified_tree_head(self, saved: ClearinghouseCheckpoint) -> tuple[Checkpoint, str]:
        """The server's signed checkpoint, proved an extension of the saved tree head."""
        where = f"the log at {self.collab.server_url}"
        if saved.log_key:
            served = log_identity(self.client.log_key())
            if served != saved.log:
                # Another log behind the same URL (a new server, or a new log key) is
                # another source, never a continuation of the one fetched so far.
                raise VerificationError(
                    f"{self.collab.server_url} now serves the log {served}, not the log "
                    f"{saved.log} this collaboration fetched from; fetching stopped. If the "
                    "operator moved to a new log, fetch it as a new collaboration (its "
                    "signals then come from the new log alone)"
                )
        head, vkey, _ = trusted_checkpoint(self.client, pinned=saved.log_key or None)
        if saved.tree_size == 0:
            return head, vkey
        if head.size < saved.tree_size:
            raise VerificationError(
                f"{where} now has {head.size} entries, fewer than the {saved.tree_size} "
                "already verified: its history was rewritten; fetching stopped"
            )
        try:
            if head.size == saved.tree_size:
                if head.root_hash != saved.root:
                    raise VerificationError("same size, different root")
            else:
                proof = self.client.consistency_proof(saved.tree_size, head.size)
                verify_consistency(saved.tree_size, head.size, saved.root, head.root_hash, proof)
        except VerificationError as exc:
            raise VerificationError(
                f"{where} is not an extension of the tree of {saved.tree_size} entries "
                f"verified before (a forked or rewritten log; fetching stopped): {exc.detail}"
            ) from None
        return head, vkey

    def _filters(self) -> str:
        """The collaboration's filters as one comparable string."""
        c = self.collab
        labels = ",".join(sorted(c.labels))
        return (
            f"only_confirmed={c.only_confirmed:d};"
            f"exclude_disputed={c.exclude_disputed:d};labels={labels}"
        )

    def _record(self, s: dict[str, t.Any]) -> ClearinghouseSignalMetadata | None:
        """The record of one feed entry, or None (a deletion) when not kept."""
        if s["status"] != "active":
            return None
        labels = tuple(sorted(s.get("labels", {})))
        c = self.collab
        if c.only_confirmed and (not s.get("confirmed", False) or s.get("held", False)):
            return None  # a held signal leaves only-confirmed lists until released
        if c.exclude_disputed and s.get("disputed", False):
            return None
        if c.labels and not set(c.labels) & set(labels):
            return None
        value = s["value"]
        return ClearinghouseSignalMetadata(
            signal_id=s["signal_id"],
            signal_type=s["signal_type"],
            value=value if isinstance(value, str) else _json(value),
            labels=labels,
            contributors=int(s.get("contributors", 0)),
            confirmed=bool(s.get("confirmed", False)),
            disputed=bool(s.get("disputed", False)),
            is_mine=bool(s.get("is_mine", False)),
            content_types=tuple(s.get("content_types", ())),
            server_url=c.server_url,
            log=self._log,
        )

    @classmethod
    def naive_convert_to_signal_type(
        cls,
        signal_types: t.Sequence[type[SignalType]],
        collab: ClearinghouseCollabConfig,
        fetched: t.Mapping[int, ClearinghouseSignalMetadata | None],
    ) -> dict[type[SignalType], dict[str, ClearinghouseSignalMetadata]]:
        by_name = {st.get_name(): st for st in signal_types}
        out: dict[type[SignalType], dict[str, ClearinghouseSignalMetadata]] = {}
        for record in fetched.values():
            if record is None:
                continue
            converted = type_names.to_library(
                record.signal_type, record.value, record.content_types
            )
            s_type = by_name.get(converted[0]) if converted else None
            if converted is None or s_type is None:
                continue  # a type this library lacks: skipped, not failed
            try:
                signal = s_type.validate_signal_str(converted[1])
            except ValueError:
                log.warning("skipping signal %d: not a valid %s", record.signal_id, converted[0])
                continue
            out.setdefault(s_type, {})[signal] = record
        return out

    # -- feedback -------------------------------------------------------------------------

    def report_opinion(
        self,
        s_type: type[SignalType],
        signal: str,
        opinion: fetch_state.SignalOpinion,
    ) -> None:
        """A positive opinion is signed ``agree`` feedback, a negative one ``disagree``."""
        verdicts = {
            fetch_state.SignalOpinionCategory.POSITIVE_CLASS: "agree",
            fetch_state.SignalOpinionCategory.NEGATIVE_CLASS: "disagree",
        }
        verdict = verdicts.get(opinion.category)
        if verdict is None:
            raise ValueError(f"no clearinghouse verdict for a {opinion.category.name} opinion")
        ours, value = type_names.from_library(s_type.get_name(), signal)
        reason = f"{opinion.category.name.lower()} opinion through python-threatexchange"
        if opinion.tags:
            reason += "; tags: " + ",".join(sorted(opinion.tags))
        self.client.feedback(
            [{"signal_type": ours, "value": value, "verdict": verdict, "reason": reason}]
        )


CREDENTIALS_HINT = f"{CREDENTIALS_ENV} or HMA's credential_json"


def _explained(exc: ClearinghouseError, client: Client) -> ClearinghouseError:
    """``exc`` with what a fetch's operator needs to fix it: which role or key."""
    if not isinstance(exc, ForbiddenProblem | AuthenticationProblem):
        return exc
    who = f"member {client.member!r} (key {client.key.key_id})"
    owner = _key_owner(client)
    if owner is not None and owner != client.member:
        return type(exc)(
            exc.status,
            {
                **exc.problem,
                "detail": f"the key at key_path (key {client.key.key_id}) is member "
                f"{owner!r}'s, not {client.member!r}'s as the member in "
                f"{CREDENTIALS_HINT} says: give {client.member!r}'s own key file",
            },
        )
    if isinstance(exc, ForbiddenProblem):
        return type(exc)(
            exc.status,
            {
                **exc.problem,
                "detail": f"{exc.detail}: the exchange needs {who} to hold the matcher "
                "role; ask the operator (`clearinghouse members roles`)",
            },
        )
    return type(exc)(
        exc.status,
        {
            **exc.problem,
            "detail": f"the server refused the signature of {who}: the key is not one "
            "of this member's active keys (wrong key_path or member in "
            f"{CREDENTIALS_HINT}, or a revoked key), the member is suspended, or "
            "this machine's clock is off by more than 300 s",
        },
    )


def _key_owner(client: Client) -> str | None:
    """The member the server says the client's key belongs to, or None if it will not say."""
    try:
        me = client.whoami()
    except ClearinghouseError:  # a key the server does not know: it names no one
        return None
    member = me.get("member") if isinstance(me, dict) else None
    return member if isinstance(member, str) else None


def _json(value: t.Any) -> str:
    return json.dumps(value, separators=(",", ":"))
