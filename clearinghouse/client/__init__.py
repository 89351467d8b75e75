"""The member SDK: a signed HTTP client for one clearinghouse server.

Imports only the pure packages (crypto, errors) and ``requests``, so a member platform
can use it without the server's dependencies.
"""

from clearinghouse.client.api import Client, load_signing_key
from clearinghouse.client.bulk import Outcome, Plan, StatementFile
from clearinghouse.client.errors import (
    AuthenticationProblem,
    ConflictProblem,
    ForbiddenProblem,
    InvalidInputProblem,
    LimitExceededProblem,
    NotFoundProblem,
    PayloadTooLargeProblem,
    ProblemError,
    TransportError,
    UnavailableProblem,
    VerificationProblem,
)
from clearinghouse.client.hash_lines import HashLine, read_hash_lines
from clearinghouse.client.statements import (
    MAX_ITEMS,
    PAYLOAD_TYPES,
    BelowMinimumQuality,
    feedback_item,
    retraction_item,
    sign_statement,
    submission_item,
)

__all__ = [
    "MAX_ITEMS",
    "PAYLOAD_TYPES",
    "AuthenticationProblem",
    "BelowMinimumQuality",
    "Client",
    "ConflictProblem",
    "ForbiddenProblem",
    "HashLine",
    "InvalidInputProblem",
    "LimitExceededProblem",
    "NotFoundProblem",
    "Outcome",
    "PayloadTooLargeProblem",
    "Plan",
    "ProblemError",
    "StatementFile",
    "TransportError",
    "UnavailableProblem",
    "VerificationProblem",
    "feedback_item",
    "load_signing_key",
    "read_hash_lines",
    "retraction_item",
    "sign_statement",
    "submission_item",
]
