"""The auditor: verifies a server's transparency log independently (DESIGN §6).

It runs client-side on the pure packages only (tlog, crypto) and the SDK's HTTP client,
trusting nothing the server says that it cannot check: the checkpoint against a pinned
log key, every entry against the signed root, every statement against the member keys
the log itself recorded, and the log's history against the last checkpoint verified.
"""

from clearinghouse.client.audit.findings import MAX_PROBLEMS, AuditReport, LogSource, Problem
from clearinghouse.client.audit.proofs import check_consistency, check_inclusion, recompute_root
from clearinghouse.client.audit.state import SavedState, load_state
from clearinghouse.client.audit.tree import TreeCheck
from clearinghouse.client.audit.verify import PAGE, verify_log

__all__ = [
    "MAX_PROBLEMS",
    "PAGE",
    "AuditReport",
    "LogSource",
    "Problem",
    "SavedState",
    "TreeCheck",
    "check_consistency",
    "check_inclusion",
    "load_state",
    "recompute_root",
    "verify_log",
]
