"""The transparency log, pure: RFC 6962/9162 Merkle tree, proofs and signed checkpoints.

Storage is not here: a store implements ``NodeReader`` (a batch read of complete-subtree
hashes) and persists what ``append_nodes`` returns; everything else is computed from
O(log n) of those nodes. Checkpoints are C2SP tlog-checkpoint bodies signed as C2SP
signed notes with Ed25519.
"""

from clearinghouse.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from clearinghouse.tlog.compact import CompactRange, append_nodes
from clearinghouse.tlog.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from clearinghouse.tlog.memory import MemoryNodeStore
from clearinghouse.tlog.nodes import NodeKey, NodeReader, frontier_keys
from clearinghouse.tlog.note import (
    NoteVerifier,
    is_valid_key_name,
    log_identity,
    note_key_hash,
    open_note,
    sign_note,
)
from clearinghouse.tlog.proofs import consistency_proof, inclusion_proof, root
from clearinghouse.tlog.verify import (
    RootMismatch,
    frontier_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Checkpoint",
    "CompactRange",
    "MemoryNodeStore",
    "NodeKey",
    "NodeReader",
    "NoteVerifier",
    "RootMismatch",
    "append_nodes",
    "consistency_proof",
    "frontier_from_consistency_proof",
    "frontier_keys",
    "inclusion_proof",
    "is_valid_key_name",
    "leaf_hash",
    "log_identity",
    "node_hash",
    "note_key_hash",
    "open_checkpoint",
    "open_note",
    "root",
    "root_from_inclusion_proof",
    "sign_checkpoint",
    "sign_note",
    "verify_consistency",
    "verify_inclusion",
]
