"""The log follower: an idle poll reads only the head; a membership entry written by
another process reloads the directory; PostgreSQL wakes it with a notification."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import event

from clearinghouse.bootstrap import bootstrap
from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import members
from clearinghouse.store.notify import LogNotifications


def _count_statements(db):
    seen: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(conn, cursor, statement, *args):
        seen.append(statement)

    return seen


def test_an_idle_poll_reads_the_log_head_and_nothing_else(db, follower):
    key = SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    follower.poll()  # first poll: loads the directory and the indexes
    seen = _count_statements(db)
    follower.poll()
    follower.poll()
    queries = [s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT"))]
    assert len(queries) == 2
    assert all("log_head" in q for q in queries)


def test_a_revocation_by_another_process_reloads_the_directory_at_the_next_poll(
    db, settings, directory, follower
):
    key, spare = SigningKey.generate(), SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    members.add_key(db, "alpha", spare.verify_key)
    follower.poll()
    assert directory.active_key(key.key_id) is not None
    other = bootstrap(settings)  # the operator CLI, another process
    try:
        members.revoke_key(other.db, "alpha", key.key_id)
    finally:
        other.close()
    assert directory.active_key(key.key_id) is not None  # not seen yet
    follower.poll()
    assert directory.active_key(key.key_id) is None


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="LISTEN/NOTIFY is PostgreSQL's")
def test_postgresql_wakes_a_listener_when_the_log_grows(db, settings):
    listener = LogNotifications(settings.effective_database_url)
    assert listener.enabled
    assert listener.wait(0.05) is False  # connects and listens; nothing yet
    key = SigningKey.generate()
    woken: list[bool] = []
    waiting = threading.Thread(target=lambda: woken.append(listener.wait(30)))
    waiting.start()
    time.sleep(0.2)
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    waiting.join(timeout=30)
    listener.close()
    assert woken == [True]


def test_sqlite_has_no_listener(tmp_path):
    listener = LogNotifications(f"sqlite:///{tmp_path / 'x.db'}")
    assert not listener.enabled
    assert listener.wait(0.01) is False
