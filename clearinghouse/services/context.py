"""The composition root: settings, database and the long-lived parts built from them.

The web app and the operator CLI each build one ``ServiceContext``; use cases take it as
their first argument. Everything is created lazily so that importing costs nothing.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from clearinghouse.config import Settings
from clearinghouse.errors import ConfigError
from clearinghouse.store.db import Database

__all__ = ["ServiceContext"]


class ServiceContext:
    """Everything a use case needs, built once per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @functools.cached_property
    def db(self) -> Database:
        if self.settings.is_sqlite and self.settings.database_url is None:
            ensure_data_dir(self.settings.data_dir)
        return Database(self.settings.effective_database_url)

    @functools.cached_property
    def registry(self):
        """The signal types, configured from the settings."""
        from clearinghouse.signals.registry import build_registry

        s = self.settings
        return build_registry(
            pdq_min_quality=s.pdq_min_quality,
            max_distance_ceilings=dict(s.max_distance_ceilings),
            vpdq_max_frames=s.vpdq_max_frames,
            vpdq_query_match_pct=s.vpdq_query_match_pct,
            vpdq_index_match_pct=s.vpdq_index_match_pct,
        )

    @functools.cached_property
    def taxonomy(self):
        """The shipped taxonomy extended by the configured labels."""
        from clearinghouse.signals.taxonomy import load_taxonomy

        return load_taxonomy(extra_labels=self.settings.extra_labels)

    @functools.cached_property
    def matcher(self):
        """This process's matching indexes (loaded by ``start``)."""
        from clearinghouse.services.matching import Matcher

        return Matcher(self)

    @functools.cached_property
    def directory(self):
        """Member keys, roles and status held in this process (kept by the follower)."""
        from clearinghouse.services.member_directory import MemberDirectory

        return MemberDirectory(self.db.read)

    @functools.cached_property
    def follower(self):
        """The thread that keeps the directory and the indexes in step with the log."""
        from clearinghouse.services.log_follower import LogFollower

        return LogFollower(self)

    def log_changed(self) -> None:
        """Called after this process commits a log entry: its own views reload at once."""
        if "directory" in self.__dict__:
            self.directory.invalidate()

    def statement_applied(self, log_index: int) -> None:
        """Called after a statement commits, so this process's indexes catch up at once."""
        if "matcher" in self.__dict__:
            self.matcher.acknowledged(log_index)

    def start(self) -> None:
        """Start what a serving process runs in the background: the log follower."""
        self.follower.start()

    def readiness_checks(self) -> dict[str, dict]:
        """Checks of the long-lived parts beyond the database: indexes loaded."""
        if "matcher" not in self.__dict__:
            return {}
        matcher = self.matcher
        loaded = matcher.ready.is_set()
        detail = f"loaded from {matcher.loaded_from}" if loaded else "loading"
        return {"indexes": {"ok": loaded, "detail": detail, "lookups": dict(matcher.counters)}}

    def close(self) -> None:
        if "follower" in self.__dict__:
            self.follower.stop()
        if "db" in self.__dict__:
            self.db.dispose()


def ensure_data_dir(path: Path) -> None:
    """Create the data directory, or stop with a clear message when that is impossible."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"CLEARINGHOUSE_DATA_DIR: cannot create {path}: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"CLEARINGHOUSE_DATA_DIR: {path} is not writable")
