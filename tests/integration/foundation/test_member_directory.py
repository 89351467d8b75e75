"""The member directory held in memory: answers like the database while confirmed fresh,
asks the database when stale or when a key is new to it, and reloads after a local change."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from clearinghouse.crypto import SigningKey
from clearinghouse.services.adapters.member_directory import FRESH_FOR, MemberDirectory
from clearinghouse.services.use_cases import members
from clearinghouse.store import membership


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _directory(db, clock):
    reads = []

    @contextmanager
    def read():
        reads.append(1)
        with db.read() as session:
            yield session

    return MemberDirectory(read, clock=clock), reads


def _truth(db, key_id):
    with db.read() as session:
        return membership.active_key(session, key_id)


def test_fresh_directory_answers_from_memory_like_the_database(db):
    key, other = SigningKey.generate(), SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher,submitter", key.verify_key)
    members.add_member(db, "beta", "Beta", "auditor", other.verify_key)
    members.suspend_member(db, "beta")
    clock = Clock()
    directory, reads = _directory(db, clock)
    directory.refresh()
    before = len(reads)
    for key_id in (key.key_id, other.key_id):
        assert directory.active_key(key_id) == _truth(db, key_id)
    assert directory.active_key(key.key_id).roles == frozenset({"matcher", "submitter"})
    assert directory.active_key(other.key_id) is None  # suspended member: no active key
    assert len(reads) == before  # no database read for known keys


def test_a_stale_directory_asks_the_database_so_a_revocation_is_never_missed(db):
    key, spare = SigningKey.generate(), SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    members.add_key(db, "alpha", spare.verify_key)
    clock = Clock()
    directory, _ = _directory(db, clock)
    directory.refresh()
    members.revoke_key(db, "alpha", key.key_id)  # behind the directory's back
    assert directory.active_key(key.key_id) is not None  # within the freshness window
    clock.now += FRESH_FOR + 0.01  # no confirmation from the follower since
    assert directory.active_key(key.key_id) is None
    directory.refresh()  # what the follower does when it sees the membership entry
    assert directory.active_key(key.key_id) is None


def test_a_key_new_to_the_directory_is_looked_up_and_a_local_change_reloads(db):
    key = SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    clock = Clock()
    directory, _ = _directory(db, clock)
    directory.refresh()
    newer = SigningKey.generate()
    members.add_key(db, "alpha", newer.verify_key)
    assert directory.active_key(newer.key_id) is not None  # from the database
    assert directory.active_key("0" * 32) is None
    members.suspend_member(db, "alpha")
    directory.invalidate()  # what log_transaction does in the process that changed it
    assert directory.active_key(key.key_id) is None
    assert directory.active_key(newer.key_id) is None


def test_the_serving_directory_reloads_after_its_own_membership_change(db, directory):
    key, spare = SigningKey.generate(), SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    members.add_key(db, "alpha", spare.verify_key)
    assert directory.active_key(key.key_id) is not None
    members.revoke_key(db, "alpha", key.key_id)
    assert directory.active_key(key.key_id) is None  # at once, not within 1 s


def test_a_request_during_a_reload_never_takes_the_old_members_for_reloaded(db):
    key = SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    entered, release = threading.Event(), threading.Event()
    block = {"on": False}

    class Paused:
        """A session whose first query waits: the reload is under way, not finished."""

        def __init__(self, session):
            self.session = session

        def __getattr__(self, name):
            entered.set()
            release.wait(10)
            return getattr(self.session, name)

    @contextmanager
    def read():
        with db.read() as session:
            reloading = block["on"] and threading.current_thread().name == "reloader"
            yield Paused(session) if reloading else session

    directory = MemberDirectory(read)
    directory.refresh()
    members.suspend_member(db, "alpha")
    directory.invalidate()  # the change this process made
    block["on"] = True
    reloader = threading.Thread(target=directory.refresh, name="reloader")
    reloader.start()  # the follower reloading, paused inside its read
    assert entered.wait(10)
    answers: list = []
    asking = threading.Thread(target=lambda: answers.append(directory.active_key(key.key_id)))
    asking.start()
    asking.join(0.3)
    release.set()
    reloader.join(10)
    asking.join(10)
    assert answers == [None]
