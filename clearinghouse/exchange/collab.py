"""What an exchange user configures: the collaboration (server, filters) and credentials.

The config's field types are read by the ``threatexchange`` CLI and HMA to build their
forms, so they are plain runtime types (no postponed annotations in this module).
"""

import json
import typing as t
from dataclasses import dataclass, field

from threatexchange.exchanges import auth
from threatexchange.exchanges.collab_config import CollaborationConfigBase

__all__ = ["CREDENTIALS_ENV", "ClearinghouseCollabConfig", "ClearinghouseCredentials"]

CREDENTIALS_ENV = "TX_CLEARINGHOUSE_CREDENTIALS"


@dataclass
class ClearinghouseCollabConfig(CollaborationConfigBase):
    """One clearinghouse server to fetch signals from, and which of them to keep."""

    server_url: str = field(
        metadata={"help": "Base URL of the clearinghouse server, e.g. https://ch.example.org"}
    )
    only_confirmed: bool = field(
        default=False,
        metadata={"help": "Keep only signals confirmed by enough independent members."},
    )
    exclude_disputed: bool = field(
        default=True,
        metadata={"help": "Drop signals that more members disagree with than agree with."},
    )
    labels: set[str] = field(
        default_factory=set,
        metadata={"help": "Keep only signals with one of these taxonomy labels (empty: all)."},
    )


@dataclass
class ClearinghouseCredentials(auth.CredentialHelper):
    """The member id and the path of its Ed25519 key (PKCS#8 PEM): the key itself stays
    in a file, never in the exchange's configuration or database."""

    ENV_VARIABLE: t.ClassVar[str] = CREDENTIALS_ENV
    FILE_NAME: t.ClassVar[str] = "~/.tx_clearinghouse_credentials"

    member: str = field(metadata={"help": "Your member id on the clearinghouse."})
    key_path: str = field(metadata={"help": "Path of your member key file (PKCS#8 PEM)."})

    @classmethod
    def _from_str(cls, s: str) -> "ClearinghouseCredentials":
        """``{"member": "...", "key_path": "..."}``."""
        data = json.loads(s)
        if not isinstance(data, dict) or set(data) != {"member", "key_path"}:
            raise ValueError(f'{CREDENTIALS_ENV}: expected {{"member": ..., "key_path": ...}}')
        return cls(member=str(data["member"]), key_path=str(data["key_path"]))

    def _are_valid(self) -> bool:
        return bool(self.member and self.key_path)
