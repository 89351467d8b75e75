"""Engine and transactions: one unit of work per request or command.

SQLite runs with WAL, foreign keys and a busy timeout; its write transactions begin
``IMMEDIATE`` so two processes appending to the log queue up instead of failing halfway.
PostgreSQL goes through psycopg 3; log appends there lock the log head row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from clearinghouse.errors import ServiceUnavailable

__all__ = ["Database", "unavailable"]


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        # Take transaction control from pysqlite so BEGIN is ours to choose.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = "IMMEDIATE" if conn.info.get("write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine plus the two kinds of unit of work: read and write."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"echo": echo, "future": True}
        if not self.is_sqlite:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
        self.engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Called after this process commits a log entry, so its in-memory views reload.
        self.log_listeners: list[Callable[[], None]] = []

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; closed (its transaction ended) at the end. Objects read
        stay usable afterwards, detached."""
        with self._guard(), self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session committed as a unit when the block succeeds, rolled back otherwise."""
        with self._guard(), self.engine.connect() as conn:
            conn.info["write"] = True  # read by the SQLite BEGIN hook
            try:
                with Session(bind=conn, expire_on_commit=False) as session:
                    try:
                        yield session
                        session.commit()
                    except BaseException:
                        session.rollback()
                        raise
            finally:
                conn.info.pop("write", None)

    def log_committed(self) -> None:
        """This process committed a log append: tell the views that follow the log."""
        for listener in self.log_listeners:
            listener()

    def ping(self) -> None:
        """Raise ServiceUnavailable unless the database answers."""
        with self._guard(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise unavailable(exc) from exc


def unavailable(exc: OperationalError) -> ServiceUnavailable:
    """The one-line error for a database that cannot be reached or used."""
    first = str(exc.orig or exc).strip().splitlines()[0]
    return ServiceUnavailable(f"database unavailable: {first}")
