"""The declared incidents as one process knows them: which are active (lookups say so
without a database call) and the taxonomy with every declared ``incident:<slug>`` label.

Reloaded when this process appends to the log, when the log follower sees an incident
entry from another process, and when a statement names an incident label not known yet
(so a label is usable at once after its declaration, on every process).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

from clearinghouse.domain.incidents import label_of
from clearinghouse.signals.taxonomy import Taxonomy
from clearinghouse.store import Session
from clearinghouse.store.incidents import all_incidents

__all__ = ["IncidentBoard"]


class IncidentBoard:
    def __init__(self, read: Callable[[], AbstractContextManager[Session]], base: Taxonomy):
        self._read = read
        self._base = base
        self._lock = threading.Lock()
        self._stale = True
        self._active: frozenset[str] = frozenset()
        self._taxonomy = base

    def invalidate(self) -> None:
        """Reload at next use (this process changed the log)."""
        self._stale = True

    def refresh(self) -> None:
        """Reload from the database now."""
        with self._read() as session:
            found = all_incidents(session)
        active = frozenset(i.slug for i in found if i.status == "active")
        labels = sorted(label_of(i.slug) for i in found if label_of(i.slug) not in self._base)
        taxonomy = self._base.extended(labels) if labels else self._base
        with self._lock:
            self._active, self._taxonomy, self._stale = active, taxonomy, False

    def _fresh(self) -> None:
        if self._stale:
            self.refresh()

    def active(self) -> frozenset[str]:
        """Slugs of the incidents active now."""
        self._fresh()
        return self._active

    def taxonomy(self) -> Taxonomy:
        """The shipped taxonomy and every declared incident's label."""
        self._fresh()
        return self._taxonomy

    def ensure(self, labels: Iterable[object]) -> None:
        """Reload when one of ``labels`` is an incident label not known yet."""
        self._fresh()
        if any(
            isinstance(label, str) and label.startswith("incident:") and label not in self._taxonomy
            for label in labels
        ):
            self.refresh()

    def ensure_items(self, items: object) -> None:
        """``ensure`` for the labels of a submission's items (read before validation)."""
        if isinstance(items, list):
            self.ensure(
                label
                for item in items
                if isinstance(item, dict) and isinstance(item.get("labels"), list)
                for label in item["labels"]
            )

    def mark(self, shown: dict[int, dict]) -> None:
        """Give each described signal carrying an active incident's label
        ``"incidents": [slug, …]``."""
        active = self.active() if shown else frozenset()
        if not active:
            return
        for described in shown.values():
            slugs = [
                label[len("incident:") :]
                for label in described["labels"]
                if label.startswith("incident:") and label[len("incident:") :] in active
            ]
            if slugs:
                described["incidents"] = slugs
