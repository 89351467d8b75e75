"""Matching indexes: exact Hamming search (PDQ, 64-bit hashes), exact digests, vPDQ, TMK.

The only importer of ``faiss`` in the project. Every index implements ``SignalIndex``
(``protocol.py``): add, remove, search_many with a per-query limit, save, load. Indexes
are in-memory, incremental and safe to query from many threads while one thread writes;
``save``/``load`` keep checksummed snapshots tagged with the change-sequence position
they reflect.
"""

from clearinghouse.index.exact import ExactIndex
from clearinghouse.index.hamming import HammingIndex
from clearinghouse.index.index_set import INDEX_KINDS, IndexFactory, IndexOptions, IndexSet
from clearinghouse.index.protocol import Matches, SignalIndex
from clearinghouse.index.regions import RegionAliases
from clearinghouse.index.snapshot import SnapshotBusy, SnapshotError
from clearinghouse.index.tmk import TmkIndex, TmkMatches
from clearinghouse.index.vpdq import TooManyCandidates, VpdqIndex, VpdqMatch

__all__ = [
    "INDEX_KINDS",
    "ExactIndex",
    "HammingIndex",
    "IndexFactory",
    "IndexOptions",
    "IndexSet",
    "Matches",
    "RegionAliases",
    "SignalIndex",
    "SnapshotBusy",
    "SnapshotError",
    "TmkIndex",
    "TmkMatches",
    "TooManyCandidates",
    "VpdqIndex",
    "VpdqMatch",
]
