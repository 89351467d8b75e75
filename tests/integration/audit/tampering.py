"""Building a log through the real services, and rewriting it behind the server's back.

The rewrites are what a dishonest operator with database access could do: edit, delete,
swap or replace entries, optionally recomputing the stored tree so that the server's own
proofs and checkpoints agree with the forgery.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import rfc8785
from sqlalchemy import create_engine, delete, select, text, update
from sqlalchemy.orm import Session
from support import add_member, pdq_item, random_pdq

from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import members
from clearinghouse.store.log import log_size
from clearinghouse.store.models import LogEntry, LogHead, LogNode, Statement
from clearinghouse.tlog import CompactRange, leaf_hash


def build_log(db, client) -> dict:
    """Three submitters with a few statements, a key rotation and a suspension.

    Returns the members and the indexes of interesting entries; ``submissions`` are by
    alpha, bravo, alpha, charlie, bravo, then alpha with its second key before and after
    its first key is revoked, then bravo after charlie's suspension.
    """
    alpha = add_member(db, client, "alpha")
    bravo = add_member(db, client, "bravo")
    charlie = add_member(db, client, "charlie", roles="submitter")
    submissions = []
    for member in (alpha, bravo, alpha, charlie, bravo):
        answer = member.state("submission", [pdq_item(random_pdq()), pdq_item(random_pdq())])
        assert answer.status_code == 201, answer.json
        submissions.append(answer.json["log_index"])
    new_key = SigningKey.generate()
    key_added = _size(db)
    members.add_key(db, "alpha", new_key.verify_key)
    alpha_old_key = alpha.key
    alpha.key = new_key
    answer = alpha.state("submission", [pdq_item(random_pdq())])
    assert answer.status_code == 201, answer.json
    submissions.append(answer.json["log_index"])
    key_revoked = _size(db)
    members.revoke_key(db, "alpha", alpha_old_key.key_id)
    answer = alpha.state("submission", [pdq_item(random_pdq())])
    assert answer.status_code == 201, answer.json
    submissions.append(answer.json["log_index"])
    suspended = _size(db)
    members.suspend_member(db, "charlie")
    answer = bravo.state("submission", [pdq_item(random_pdq())])
    assert answer.status_code == 201, answer.json
    submissions.append(answer.json["log_index"])
    return {
        "members": {"alpha": alpha, "bravo": bravo, "charlie": charlie},
        "alpha_old_key": alpha_old_key,
        "submissions": submissions,
        "key_added": key_added,
        "key_revoked": key_revoked,
        "suspended": suspended,
        "size": _size(db),
    }


def _size(db) -> int:
    with db.read() as session:
        return log_size(session)


def entry(db, index: int) -> dict:
    """Entry ``index`` decoded."""
    with db.read() as session:
        data = session.execute(select(LogEntry.data).where(LogEntry.idx == index)).scalar_one()
    return json.loads(data)


def encode(obj: dict) -> bytes:
    return rfc8785.dumps(obj)


@contextmanager
def behind_the_back(db) -> Iterator[Session]:
    """A transaction on the server's database that ignores its foreign keys, as an
    operator editing the database by hand could (SQLite enforces them only when asked;
    PostgreSQL's replica role skips them)."""
    engine = create_engine(db.url)
    try:
        with Session(engine) as session, session.begin():
            if engine.dialect.name == "postgresql":
                session.execute(text("SET LOCAL session_replication_role = replica"))
            yield session
    finally:
        engine.dispose()


def set_entry(db, index: int, data: bytes, *, rehash: bool = False) -> None:
    """Overwrite one entry's bytes; with ``rehash`` the stored tree is recomputed to match."""
    with behind_the_back(db) as session:
        session.execute(update(LogEntry).where(LogEntry.idx == index).values(data=data))
    if rehash:
        rebuild_tree(db)


def delete_entry(db, index: int) -> None:
    """Remove one entry and shift the later ones down; the log head shrinks by one."""
    with behind_the_back(db) as session:
        session.execute(delete(LogEntry).where(LogEntry.idx == index))
        rows = (
            session.execute(select(LogEntry.idx).where(LogEntry.idx > index).order_by(LogEntry.idx))
            .scalars()
            .all()
        )
        for idx in rows:
            session.execute(update(LogEntry).where(LogEntry.idx == idx).values(idx=idx - 1))
        session.execute(update(LogHead).where(LogHead.id == 1).values(size=LogHead.size - 1))


def swap_entries(db, i: int, j: int) -> None:
    """Exchange the bytes of two entries (the stored tree is left alone)."""
    with behind_the_back(db) as session:
        a = session.execute(select(LogEntry.data).where(LogEntry.idx == i)).scalar_one()
        b = session.execute(select(LogEntry.data).where(LogEntry.idx == j)).scalar_one()
        session.execute(update(LogEntry).where(LogEntry.idx == i).values(data=b))
        session.execute(update(LogEntry).where(LogEntry.idx == j).values(data=a))


def truncate(db, size: int) -> None:
    """Drop every entry from ``size`` on, as if the log had never grown past it."""
    with behind_the_back(db) as session:
        session.execute(delete(LogEntry).where(LogEntry.idx >= size))
        # The statements logged there go too, so that new ones can take their indexes.
        session.execute(delete(Statement).where(Statement.log_index >= size))
        session.execute(update(LogHead).where(LogHead.id == 1).values(size=size))
    rebuild_tree(db)


def rebuild_tree(db) -> None:
    """Recompute every stored subtree hash from the entries as they now are."""
    with behind_the_back(db) as session:
        data = session.execute(select(LogEntry.data).order_by(LogEntry.idx)).scalars().all()
        session.execute(delete(LogNode))
        nodes = CompactRange().extend(leaf_hash(d) for d in data)
        session.execute(
            LogNode.__table__.insert(),
            [{"level": level, "idx": idx, "hash": h} for (level, idx), h in nodes],
        )
        session.execute(update(LogHead).where(LogHead.id == 1).values(size=len(data)))


__all__ = [
    "behind_the_back",
    "build_log",
    "delete_entry",
    "encode",
    "entry",
    "pdq_item",
    "random_pdq",
    "rebuild_tree",
    "set_entry",
    "swap_entries",
    "truncate",
]
