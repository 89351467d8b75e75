"""What a fetch stores: the checkpoint and one record per signal.

HMA keeps the checkpoint as JSON (``exchange_fetch_status.checkpoint_json``, a SQLAlchemy
``JSON`` column: ``dataclasses.asdict``, then ``json.dumps`` on the way in and
``dacite.from_dict`` on the way out), so every checkpoint field is plain JSON data —
strings, numbers and null; the root hash is the log's own base64 text. HMA pickles the
records (``exchange_data.pickled_fetch_signal_metadata``), and the ``threatexchange`` CLI
pickles both into its state files. Pickles are read back with whatever version of this
package is installed later, so every field has a default and ``__setstate__`` fills in
fields an older pickle lacks (and drops ones a newer one has, and turns the ``bytes``
root hash of older checkpoints into text), so a stored fetch survives an upgrade or a
downgrade.
"""

import dataclasses
import typing as t
from dataclasses import dataclass

from threatexchange.exchanges import fetch_state as state

from clearinghouse.tlog import log_identity
from clearinghouse.wire import b64decode, b64encode

__all__ = ["ClearinghouseCheckpoint", "ClearinghouseSignalMetadata", "log_identity"]


class _Evolving:
    """Pickle state merged over the current defaults, unknown fields dropped."""

    def __setstate__(self, saved: dict[str, t.Any]) -> None:
        current = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.default is not dataclasses.MISSING:
                current[f.name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                current[f.name] = f.default_factory()
        current.update((k, v) for k, v in saved.items() if k in current)
        self.__dict__.update(current)
        self._upgrade()

    def _upgrade(self) -> None:
        """Bring fields an older version stored in another form to the current one."""


@dataclass
class ClearinghouseCheckpoint(_Evolving, state.FetchCheckpointBase):
    """Where a fetch stands: the feed cursor, the time it stands at, and the log's tree
    head (size, base64 root, verifier key) that was last proved consistent."""

    cursor: str | None = None
    checkpoint_time: int | None = None  # Unix seconds of the feed's position
    tree_size: int = 0
    root_hash: str = ""  # base64, as in the log's checkpoint note
    log_key: str = ""  # the checkpoint verifier key, pinned on first use
    filters: str = ""  # the collaboration's filters the cursor was read with

    def __post_init__(self) -> None:
        if isinstance(self.root_hash, bytes | bytearray):
            self.root_hash = b64encode(bytes(self.root_hash))

    def _upgrade(self) -> None:
        self.__post_init__()  # an older pickle holds the root as bytes

    @property
    def root(self) -> bytes:
        """The root hash as bytes (empty before the first fetch)."""
        return b64decode(self.root_hash) if self.root_hash else b""

    @property
    def log(self) -> str:
        """The identity of the log this checkpoint follows (``origin+keyhash``)."""
        return log_identity(self.log_key)

    def get_progress_timestamp(self) -> int | None:
        return self.checkpoint_time


@dataclass
class ClearinghouseSignalMetadata(_Evolving, state.FetchedSignalMetadata):
    """One signal as the feed showed it, in the library's terms."""

    signal_id: int = 0
    signal_type: str = ""  # the clearinghouse's type name (pdq, md5, sha256, vpdq)
    value: str = ""  # the clearinghouse's value; for vpdq the JSON list of frames
    labels: tuple[str, ...] = ()
    contributors: int = 0
    confirmed: bool = False
    disputed: bool = False
    is_mine: bool = False
    content_types: tuple[str, ...] = ()
    server_url: str = ""  # where it was fetched from, for people to read
    log: str = ""  # the log it came from (``origin+keyhash``): what identifies the source

    def get_as_opinions(self) -> t.Sequence[state.SignalOpinion]:
        """Labels as tags; confirmed is positive, unconfirmed an investigation seed; a
        dispute adds a negative opinion (so the aggregate reads DISPUTED)."""
        category = (
            state.SignalOpinionCategory.POSITIVE_CLASS
            if self.confirmed
            else state.SignalOpinionCategory.INVESTIGATION_SEED
        )
        opinions = [state.SignalOpinion(self.is_mine, category, set(self.labels))]
        if self.disputed:
            opinions.append(
                state.SignalOpinion(False, state.SignalOpinionCategory.NEGATIVE_CLASS, set())
            )
        return opinions
