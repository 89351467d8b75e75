"""The rules of the clearinghouse, with no database and no web: frozen records of
signals, contributions and feedback (``records``) and the pure transitions that
submissions, retractions and feedback make on them (``transitions``).

Services load the records a statement touches, apply the transitions and save what they
return; ``db rebuild --from-log`` folds the same transitions over the log's entries.
"""

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
    retract,
    submit,
)

__all__ = [
    "Change",
    "ContributionRecord",
    "FeedbackRecord",
    "Outcome",
    "Refused",
    "SignalHistory",
    "SignalRecord",
    "confirmed",
    "disputed",
    "feedback",
    "retract",
    "submit",
]
