"""Clearinghouse as a python-threatexchange exchange (DESIGN §12).

``threatexchange config extensions add clearinghouse.exchange`` loads ``TX_MANIFEST``;
HMA lists ``ClearinghouseSignalExchangeAPI`` among its exchange types. Builds on the
member SDK (``clearinghouse.client``) only.
"""

from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest

from clearinghouse.exchange.api import ClearinghouseSignalExchangeAPI
from clearinghouse.exchange.collab import (
    CREDENTIALS_ENV,
    ClearinghouseCollabConfig,
    ClearinghouseCredentials,
)
from clearinghouse.exchange.records import ClearinghouseCheckpoint, ClearinghouseSignalMetadata

__all__ = [
    "CREDENTIALS_ENV",
    "TX_MANIFEST",
    "ClearinghouseCheckpoint",
    "ClearinghouseCollabConfig",
    "ClearinghouseCredentials",
    "ClearinghouseSignalExchangeAPI",
    "ClearinghouseSignalMetadata",
]

TX_MANIFEST = ThreatExchangeExtensionManifest(apis=(ClearinghouseSignalExchangeAPI,))
