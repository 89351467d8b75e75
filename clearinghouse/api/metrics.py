"""Prometheus metrics and structured request logs (DESIGN §13).

Every request is counted by route template (never the path as sent: paths and query
strings can hold hash values) and status, and timed; lookups and matches are counted by
signal type, statements and their items by outcome, and 429 refusals by route. A scrape
adds the log's size, the indexes' sizes and how far they trail the log.

With several worker processes, ``clearinghouse serve`` points PROMETHEUS_MULTIPROC_DIR at a fresh
directory before the workers start, so every worker's counts add up in one scrape;
``/metrics`` answers only a request bearing the configured token, or the separate listen
address serves the same figures.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from clearinghouse.api.root import current_root
from clearinghouse.errors import AuthenticationError, NotFound
from clearinghouse.services.read_models import operations
from clearinghouse.services.use_cases.subscriptions import queue_figures
from clearinghouse.services.use_cases.webhook_delivery import DeliveryObserver

__all__ = [
    "KNOWN_METHODS",
    "LogCollector",
    "Metrics",
    "QueueCollector",
    "WebhookObserver",
    "bp",
    "count_lookups",
    "current_root_metrics",
    "exposition",
    "init_metrics",
    "method_label",
    "scrape",
]

access_log = logging.getLogger("clearinghouse.access")
bp = Blueprint("metrics", __name__)

STATEMENT_ENDPOINTS = {
    "statements.post_submission": "submission",
    "statements.post_retraction": "retraction",
    "statements.post_feedback": "feedback",
}
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PUBLISH_SECONDS = 1.0  # how often a worker republishes its index gauges
SCRAPE_READY_WAIT = 5.0  # how long a scrape waits for a worker still loading its indexes


class Metrics:
    """The series of one process, in their own registry (tests build many apps)."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("clearinghouse_http_requests", "HTTP requests by route "
                                "template and status", ["route", "method", "status"],
                                registry=r)  # fmt: skip
        self.latency = Histogram("clearinghouse_http_request_duration_seconds", "Time to "
                                 "answer a request", ["route", "method"], buckets=BUCKETS,
                                 registry=r)  # fmt: skip
        self.lookups = Counter("clearinghouse_lookups", "Hashes looked up, by signal type",
                               ["signal_type"], registry=r)  # fmt: skip
        self.matches = Counter("clearinghouse_matches", "Matches answered, by signal type",
                               ["signal_type"], registry=r)  # fmt: skip
        self.statements = Counter("clearinghouse_statements", "Signed statements by kind and "
                                  "outcome", ["kind", "outcome"], registry=r)  # fmt: skip
        self.items = Counter("clearinghouse_statement_items", "Items of accepted statements, "
                             "and items named as bad in refused ones", ["kind", "outcome"],
                             registry=r)  # fmt: skip
        self.rate_limited = Counter("clearinghouse_rate_limited", "Requests refused with 429, "
                                    "by route template", ["route"], registry=r)  # fmt: skip
        # With several workers, the worker that reported last speaks for the indexes (a scrape
        # makes the answering worker report first).
        self.index_size = Gauge("clearinghouse_index_signals", "Signals in the matching index, "
                                "by type", ["signal_type"], registry=r,
                                multiprocess_mode="mostrecent")  # fmt: skip
        self.index_position = Gauge("clearinghouse_index_position", "Log index of the latest "
                                    "signal change the indexes reflect",
                                    registry=r, multiprocess_mode="mostrecent")  # fmt: skip
        self.webhook_deliveries = Counter("clearinghouse_webhook_deliveries", "Webhook "
                                          "deliveries accepted by their endpoints",
                                          registry=r)  # fmt: skip
        self.webhook_changes = Counter("clearinghouse_webhook_changes", "Changes delivered "
                                       "by webhook", registry=r)  # fmt: skip
        self.webhook_failures = Counter("clearinghouse_webhook_failures", "Failed webhook "
                                        "attempts, by reason", ["reason"],
                                        registry=r)  # fmt: skip
        self.webhook_latency = Histogram("clearinghouse_webhook_latency_seconds", "From a "
                                         "change's log entry to its delivery's acceptance",
                                         buckets=BUCKETS, registry=r)  # fmt: skip
        self._published = 0.0

    def publish_indexes(self, matcher, *, force: bool = False) -> None:
        """Copy this process's index sizes and position into its gauges (at most once a
        second, so requests do not pay for it)."""
        now = time.monotonic()
        if matcher is None or not (force or now - self._published >= PUBLISH_SECONDS):
            return
        self._published = now
        view = operations.index_view(matcher)
        if view is None:
            return
        for name, size in view.sizes.items():
            self.index_size.labels(name).set(size)
        self.index_position.set(view.position)


class LogCollector:
    """Figures read from the database at scrape time: log size and follower lag."""

    def __init__(self, db, position: float | None) -> None:
        self.db, self.position = db, position

    def collect(self):
        view = operations.log_view(self.db)
        yield GaugeMetricFamily("clearinghouse_log_size", "Entries in the log", value=view.size)
        if self.position is not None:
            lag = max(0.0, view.signals_head - self.position)
            yield GaugeMetricFamily(
                "clearinghouse_index_follower_lag_entries",
                "Log entries of signal changes the matching indexes have not applied yet",
                value=lag,
            )


class WebhookObserver(DeliveryObserver):
    """Counts what this process's deliverer reports."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def delivered(self, changes: int, latency: float | None) -> None:
        self.metrics.webhook_deliveries.inc()
        self.metrics.webhook_changes.inc(changes)
        if latency is not None:
            self.metrics.webhook_latency.observe(max(0.0, latency))

    def failed(self, reason: str) -> None:
        self.metrics.webhook_failures.labels(reason).inc()


class QueueCollector:
    """Webhook queue figures read from the database at scrape time."""

    def __init__(self, db) -> None:
        self.db = db

    def collect(self):
        figures = queue_figures(self.db)
        yield GaugeMetricFamily("clearinghouse_webhook_queue_depth", "Log entries active "
                                "subscriptions have not been sent yet",
                                value=figures["depth"])  # fmt: skip
        yield GaugeMetricFamily("clearinghouse_webhook_retrying", "Deliveries waiting for "
                                "a retry", value=figures["retrying"])  # fmt: skip
        yield GaugeMetricFamily("clearinghouse_webhook_paused_subscriptions", "Subscriptions "
                                "paused after failing too long",
                                value=figures["paused"])  # fmt: skip


def _process_registry(metrics: Metrics | None) -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    assert metrics is not None
    return metrics.registry


def _index_position(registry: CollectorRegistry) -> float | None:
    for family in registry.collect():
        if family.name == "clearinghouse_index_position":
            values = [s.value for s in family.samples]
            return max(values) if values else None
    return None


def exposition(db, metrics: Metrics | None = None) -> bytes:
    """The text exposition: this process's (or all workers') series plus the log's figures."""
    registry = _process_registry(metrics)
    live = CollectorRegistry()
    live.register(LogCollector(db, _index_position(registry)))
    live.register(QueueCollector(db))
    return generate_latest(registry) + generate_latest(live)


def count_lookups(signal_types: list[str], match_counts: list[int]) -> None:
    """Count the lookups of one request and the matches they found, by signal type."""
    metrics: Metrics | None = current_root_metrics()
    if metrics is None:
        return
    for signal_type, found in zip(signal_types, match_counts, strict=False):
        metrics.lookups.labels(signal_type).inc()
        if found:
            metrics.matches.labels(signal_type).inc(found)


def current_root_metrics() -> Metrics | None:
    from flask import current_app

    return current_app.extensions.get("clearinghouse.metrics")


@bp.get("/metrics")
def scrape():
    """The Prometheus exposition, to the bearer of CLEARINGHOUSE_METRICS_TOKEN only."""
    root = current_root()
    token = root.settings.metrics_token
    if token is None:
        raise NotFound("metrics are not served here (no CLEARINGHOUSE_METRICS_TOKEN)")
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        raise AuthenticationError("a scrape needs the metrics bearer token")
    metrics = current_root_metrics()
    matcher = getattr(root, "_matcher", None)
    if matcher is not None and matcher.ready.wait(SCRAPE_READY_WAIT):
        # The answering worker speaks for the indexes: bring it to the log head first,
        # so a scrape never reports a worker that has not polled yet as lagging.
        matcher.catch_up()
    if metrics is not None:
        metrics.publish_indexes(matcher, force=True)
    return Response(exposition(root.db, metrics), mimetype=CONTENT_TYPE_LATEST)


# Methods a label may carry; anything else a client sends is counted as ``other``, so a
# client inventing methods cannot grow the number of series.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The metric and log label of an HTTP method: itself when standard, else ``other``."""
    return method if method in KNOWN_METHODS else "other"


def init_metrics(app: Flask) -> Metrics:
    """Count and log every request of ``app``; register ``/metrics``."""
    metrics = Metrics()
    app.extensions["clearinghouse.metrics"] = metrics
    app.extensions["clearinghouse"].deliverer.observer = WebhookObserver(metrics)
    app.register_blueprint(bp)

    @app.before_request
    def _start_clock():
        g.started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        started = g.get("started")
        duration = time.perf_counter() - started if started is not None else 0.0
        rule = request.url_rule
        route = rule.rule if rule is not None else "unmatched"
        status = response.status_code
        method = method_label(request.method)
        metrics.requests.labels(route, method, str(status)).inc()
        metrics.latency.labels(route, method).observe(duration)
        if status == 429:
            metrics.rate_limited.labels(route).inc()
        kind = STATEMENT_ENDPOINTS.get(request.endpoint or "")
        if kind is not None:
            _count_statement(metrics, kind, response)
        metrics.publish_indexes(getattr(current_root(), "_matcher", None))
        _log_request(route, status, duration)
        return response

    return metrics


def _count_statement(metrics: Metrics, kind: str, response: Response) -> None:
    outcome = "accepted" if response.status_code < 300 else "refused"
    metrics.statements.labels(kind, outcome).inc()
    try:
        body = json.loads(response.get_data()) if response.is_json else {}
    except ValueError:
        body = {}
    items = body.get("items" if outcome == "accepted" else "errors") or []
    if items:
        metrics.items.labels(kind, outcome).inc(len(items))


def _log_request(route: str, status: int, duration: float) -> None:
    """One JSON line per request: the route template, never the path or query string."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    caller = g.get("caller")
    viewer = g.get("viewer")
    member = caller.member if caller is not None else getattr(viewer, "member", None)
    access_log.info(
        json.dumps(
            {
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "method": method_label(request.method),
                "route": route,
                "status": status,
                "duration_ms": round(duration * 1000, 3),
                "member": member,
                "remote": request.remote_addr,
            },
            separators=(",", ":"),
        )
    )
