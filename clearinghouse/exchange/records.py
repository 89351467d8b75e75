"""What a fetch stores: the checkpoint and one record per signal.

HMA and the ``threatexchange`` CLI pickle both, and unpickle them with whatever version
of this package is installed later. Every field therefore has a default, and
``__setstate__`` fills in fields an older pickle lacks (and drops ones a newer one has),
so a stored fetch survives an upgrade or a downgrade.
"""

import dataclasses
import typing as t
from dataclasses import dataclass

from threatexchange.exchanges import fetch_state as state

__all__ = ["ClearinghouseCheckpoint", "ClearinghouseSignalMetadata"]


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


@dataclass
class ClearinghouseCheckpoint(_Evolving, state.FetchCheckpointBase):
    """Where a fetch stands: the feed cursor, the time it stands at, and the log's tree
    head (size, root, verifier key) that was last proved consistent."""

    cursor: str | None = None
    checkpoint_time: int | None = None  # Unix seconds of the feed's position
    tree_size: int = 0
    root_hash: bytes = b""
    log_key: str = ""  # the checkpoint verifier key, pinned on first use
    filters: str = ""  # the collaboration's filters the cursor was read with

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
    server_url: str = ""

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
