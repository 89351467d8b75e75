"""The rules of the clearinghouse, with no database and no web: frozen records of
signals, contributions and feedback (``records``), the pure transitions that
submissions, retractions and feedback make on them (``transitions``), and the one rule
that applies an item of a statement to its signal (``items.apply_item``).

Services load the records a statement touches, apply the items and save what they
return; ``db rebuild --from-log`` folds the same rule over the log's entries.
"""

from clearinghouse.domain.items import (
    ITEM_RULES,
    FeedbackItem,
    Item,
    RetractionItem,
    SubmissionItem,
    apply_item,
    creates_signal,
    signal_digest,
)
from clearinghouse.domain.records import (
    ContributionRecord,
    FeedbackRecord,
    SignalHistory,
    SignalRecord,
)
from clearinghouse.domain.transitions import (
    Change,
    Outcome,
    Refused,
    confirmed,
    disputed,
    feedback,
    is_confirmed,
    is_disputed,
    retract,
    submit,
)

__all__ = [
    "ITEM_RULES",
    "Change",
    "ContributionRecord",
    "FeedbackItem",
    "FeedbackRecord",
    "Item",
    "Outcome",
    "Refused",
    "RetractionItem",
    "SignalHistory",
    "SignalRecord",
    "SubmissionItem",
    "apply_item",
    "confirmed",
    "creates_signal",
    "disputed",
    "feedback",
    "is_confirmed",
    "is_disputed",
    "retract",
    "signal_digest",
    "submit",
]
