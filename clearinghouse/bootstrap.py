"""The composition root: one ``Root`` per process, built from the settings.

The web app (``api.create_app``) and the operator commands (``cli``) each call
``bootstrap(settings)`` once and hand the use cases the parts they use: no part holds
the ``Root``, and nothing under ``services/`` knows of it. Nothing is built at import
time, and nothing slow is built until it is first needed: an operator command never
loads the matching indexes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from clearinghouse.config import Settings, ensure_data_dir
from clearinghouse.index import IndexOptions, IndexSet
from clearinghouse.services.adapters.hold_board import HoldBoard
from clearinghouse.services.adapters.incident_board import IncidentBoard
from clearinghouse.services.adapters.member_directory import MemberDirectory
from clearinghouse.services.adapters.replay import (
    ReplayCache,
    database_replay_cache,
    redis_replay_cache,
    table_replay_cache,
)
from clearinghouse.services.adapters.suppression_cache import SuppressionCache
from clearinghouse.services.adapters.webhook_endpoints import EndpointRules
from clearinghouse.services.adapters.webhook_sender import Sender
from clearinghouse.services.read_models.signal_views import FeedLimits
from clearinghouse.services.read_models.transparency import LogKey
from clearinghouse.services.use_cases.hold_checker import HoldChecker, HoldPolicy
from clearinghouse.services.use_cases.log_follower import LogFollower
from clearinghouse.services.use_cases.matching import Matcher
from clearinghouse.services.use_cases.statements import StatementLimits, StatementParts
from clearinghouse.services.use_cases.webhook_delivery import (
    Deliverer,
    DeliveryObserver,
    DeliveryPolicy,
)
from clearinghouse.signals.registry import SignalRegistry, build_registry
from clearinghouse.signals.taxonomy import Taxonomy, load_taxonomy
from clearinghouse.store.db import Database

__all__ = [
    "Root",
    "bootstrap",
    "build_deliverer",
    "build_matcher",
    "delivery_policy",
    "endpoint_rules",
    "feed_limits",
    "statement_limits",
]

REPLAY_FILE = "replay.table"  # in the data directory


class Root:
    """The long-lived parts of one process. Built by ``bootstrap``; closed by ``close``."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        registry: SignalRegistry,
        taxonomy: Taxonomy,
        log_key: LogKey,
        replay: ReplayCache,
    ) -> None:
        self.settings = settings
        self.db = db
        self.registry = registry
        self.taxonomy = taxonomy
        self.log_key = log_key
        self.replay = replay
        # Member keys, roles and status of this process; reloaded after its own log writes.
        self.directory = MemberDirectory(db.read)
        db.log_listeners.append(self.directory.invalidate)
        # Declared incidents: the active ones and the taxonomy with their labels.
        self.incidents = IncidentBoard(db.read, taxonomy)
        # Held signals: which are held now, and this process's match counts.
        self.holds = HoldBoard(db.read)
        self.hold_checker = HoldChecker(db, HoldPolicy.from_settings(settings), self.holds)
        self._matcher: Matcher | None = None
        self._follower: LogFollower | None = None
        self._deliverer: Deliverer | None = None
        self._suppressions: SuppressionCache | None = None

    @property
    def matcher(self) -> Matcher:
        """This process's matching indexes, built on first use (loaded by ``start``)."""
        if self._matcher is None:
            self._matcher = build_matcher(self)
        return self._matcher

    @property
    def suppressions(self) -> SuppressionCache:
        """Every member's suppressions, held for this process's lookups."""
        if self._suppressions is None:
            self._suppressions = SuppressionCache(self.db, self.settings.index_poll_interval)
        return self._suppressions

    @property
    def follower(self) -> LogFollower:
        """The thread that keeps the directory and the indexes in step with the log."""
        if self._follower is None:
            self._follower = LogFollower(
                self.db,
                self.directory,
                self.incidents,
                self.matcher,
                self.settings.index_poll_interval,
                holds=self.hold_checker,
            )
        return self._follower

    @property
    def deliverer(self) -> Deliverer:
        """This process's webhook deliverer (``services/use_cases/webhook_delivery.py``)."""
        if self._deliverer is None:
            self._deliverer = build_deliverer(self.settings, self.db)
        return self._deliverer

    @property
    def statements(self) -> StatementParts:
        """What accepting a statement uses (``services/use_cases/statements.py``)."""
        return StatementParts(
            self.db,
            self.registry,
            self.incidents,
            self.log_key,
            statement_limits(self.settings),
            self.statement_applied,
        )

    @property
    def feed_limits(self) -> FeedLimits:
        """The settings the change feed reads."""
        return feed_limits(self.settings)

    def statement_applied(self, log_index: int) -> None:
        """Called after a statement commits, so this process's indexes catch up at once
        and its deliverer looks for the new changes."""
        if self._matcher is not None:
            self._matcher.acknowledged(log_index)
        if self._deliverer is not None:
            self._deliverer.wake()

    def start(self) -> None:
        """Start what a serving process runs in the background: the log follower, and
        the webhook deliverer unless delivery runs apart (``clearinghouse deliver``)."""
        self.follower.start()
        if self.settings.webhook_delivery:
            self.deliverer.start()

    def readiness_checks(self) -> dict[str, dict]:
        """Checks of the long-lived parts beyond the database: indexes loaded."""
        if self._matcher is None:
            return {}
        matcher = self._matcher
        loaded = matcher.ready.is_set()
        detail = f"loaded from {matcher.loaded_from}" if loaded else "loading"
        return {"indexes": {"ok": loaded, "detail": detail}}

    def close(self) -> None:
        """Stop the follower and close the database connections."""
        if self._follower is not None:
            self._follower.stop()
        if self._deliverer is not None:
            self._deliverer.stop()
        if self._suppressions is not None:
            self._suppressions.close()
        self.db.dispose()


def bootstrap(settings: Settings) -> Root:
    """Wire the parts of one process for ``settings``; connects to nothing yet."""
    if settings.is_sqlite and settings.database_url is None:
        ensure_data_dir(settings.data_dir)
    db = Database(settings.effective_database_url)
    registry = build_registry(
        pdq_min_quality=settings.pdq_min_quality,
        max_distance_ceilings=dict(settings.max_distance_ceilings),
        vpdq_max_frames=settings.vpdq_max_frames,
        vpdq_max_query_frames=settings.vpdq_max_query_frames,
        vpdq_query_match_pct=settings.vpdq_query_match_pct,
        vpdq_index_match_pct=settings.vpdq_index_match_pct,
        tmk_level1_threshold=settings.tmk_level1_threshold,
        tmk_level2_threshold=settings.tmk_level2_threshold,
        tmk_min_threshold=settings.tmk_min_threshold,
    )
    taxonomy = load_taxonomy(extra_labels=settings.extra_labels)
    log_key = LogKey(settings.effective_log_key_path, settings.log_origin, db)
    if settings.redis_url:
        replay = redis_replay_cache(settings.redis_url)
    elif settings.is_sqlite:
        replay = table_replay_cache(settings.data_dir / REPLAY_FILE, settings.replay_cache_slots)
    else:
        replay = database_replay_cache(db)
    return Root(settings, db, registry, taxonomy, log_key, replay)


def statement_limits(settings: Settings) -> StatementLimits:
    """The limits every statement (incidents too) is judged by."""
    return StatementLimits(
        settings.max_statement_items, settings.statement_max_skew, settings.statement_max_age
    )


def feed_limits(settings: Settings) -> FeedLimits:
    return FeedLimits(settings.confirm_threshold, settings.max_list_bytes)


def endpoint_rules(settings: Settings) -> EndpointRules:
    """The rules a webhook endpoint must pass, at registration and at every delivery."""
    return EndpointRules.from_settings(settings)


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        lease=settings.webhook_lease,
        batch_max=settings.webhook_batch_max,
        retry_base=settings.webhook_retry_base,
        retry_max_delay=settings.webhook_retry_max_delay,
        retry_for=settings.webhook_retry_for,
        poll_interval=settings.webhook_poll_interval,
        confirm_threshold=settings.confirm_threshold,
    )


def build_deliverer(
    settings: Settings,
    db: Database,
    *,
    sender: Sender | None = None,
    clock: Callable[[], float] = time.time,
    observer: DeliveryObserver | None = None,
) -> Deliverer:
    """A webhook deliverer over ``db``, sending through ``sender`` (by default one that
    checks endpoints by the settings' rules, on the same ``clock``)."""
    sender = sender or Sender(
        endpoint_rules(settings),
        connect_timeout=settings.webhook_connect_timeout,
        timeout=settings.webhook_timeout,
        max_response_bytes=settings.webhook_max_response_bytes,
        clock=clock,
    )
    return Deliverer(db, delivery_policy(settings), sender, clock=clock, observer=observer)


def build_matcher(root: Root) -> Matcher:
    """The one place the matching indexes of a process are made."""
    options = IndexOptions(frame_candidates=root.settings.vpdq_max_candidates_per_frame)
    index_set = IndexSet.for_registry(root.registry, options)
    return Matcher(root.db, index_set, root.settings.effective_snapshot_dir)
