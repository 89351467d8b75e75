"""Wake-ups from PostgreSQL: LISTEN on the channel that every log append NOTIFYs."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy.engine import make_url

from clearinghouse.store.log import LOG_CHANNEL

__all__ = ["LogNotifications"]

log = logging.getLogger("clearinghouse.follower")


class LogNotifications:
    """``wait(timeout)`` returns when the log grew or ``timeout`` seconds passed.

    A wake-up is only a hint: the follower reads the log head after every wait, so a
    notification lost while the connection was down costs at most one poll interval."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.enabled = url.get_backend_name() == "postgresql"
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = None

    def wait(self, timeout: float) -> bool:
        """True when woken by a notification, False on timeout or without LISTEN."""
        if not self.enabled:
            return False
        try:
            if self._conn is None or self._conn.closed:
                import psycopg

                self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
                self._conn.execute(f"LISTEN {LOG_CHANNEL}")
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                return True
        except Exception as exc:  # the database is down: poll until it returns
            log.debug("LISTEN unavailable: %s", type(exc).__name__)
            self.close()
            raise
        return False

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # a broken connection: nothing to close
                self._conn.close()
            self._conn = None
