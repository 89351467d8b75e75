"""The bulk paths of the store against their slow twins, on the database under test.

``bulk_insert`` binds each distinct value once and hands the rows to the driver (COPY on
PostgreSQL); the twin is a plain SQLAlchemy Core ``insert()`` of the same rows. The
history loader finds digests straight through the driver; the twin is an ORM query per
signal. Stored forms and loaded records must be the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from clearinghouse.domain import ContributionRecord, SignalRecord
from clearinghouse.store import histories
from clearinghouse.store.bulk import bulk_insert
from clearinghouse.store.db import Database
from clearinghouse.store.models import Contribution, Signal, Statement

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
LABELS = ("behaviour:graphic-violence-against-defenseless-people", "entity:example")


def _setup(session) -> int:
    session.execute(
        text(
            "INSERT INTO members (id, name, roles, status, created_at) "
            "VALUES ('m1', 'M', 'submitter', 'active', :t), ('m2', 'N', 'submitter', 'active', :t)"
        ),
        {"t": T0},
    )
    session.execute(
        text(
            "INSERT INTO member_keys (key_id, member_id, public_key, status, created_at) "
            "VALUES ('k', 'm1', :p, 'active', :t)"
        ),
        {"p": b"\0" * 32, "t": T0},
    )
    session.execute(
        text(
            "INSERT INTO log_entries (idx, entry_type, data, created_at) "
            "VALUES (0, 'submission', :d, :t)"
        ),
        {"d": b"{}", "t": T0},
    )
    session.execute(
        text(
            "INSERT INTO statements (id, kind, member_id, key_id, envelope_digest, log_index,"
            " response, created_at) VALUES (7, 'submission', 'm1', 'k', :d, 0, '{}', :t)"
        ),
        {"d": b"\1" * 32, "t": T0},
    )
    return 7


def _signals(first_id: int, n: int) -> list[SignalRecord]:
    return [
        SignalRecord(
            first_id + i,
            "pdq" if i % 3 else "md5",
            f"{first_id + i:064x}" if i % 3 else f"{first_id + i:032x}",
            (first_id + i).to_bytes(32, "big"),
            90 if i % 3 else None,
            "active" if i % 4 else "retracted",
            T0 + timedelta(seconds=i % 5),  # a few distinct times, repeated
            T0 + timedelta(days=1),
            100 + i % 2,
        )
        for i in range(n)
    ]


def _contributions(signals, statement_id: int) -> list[ContributionRecord]:
    out = []
    for i, s in enumerate(signals):
        out.append(
            ContributionRecord(
                s.id,
                "m1" if i % 2 else "m2",
                statement_id,
                LABELS[: 1 + i % 2],
                "image/jpeg" if i % 5 else None,
                None if i % 7 else f"note {i} ünïcode",
                "active" if i % 4 else "retracted",
                T0,
                None if i % 4 else T0 + timedelta(hours=1),
                None if i % 4 else statement_id,
            )
        )
    return out


def _stored(session, table, key) -> list[tuple]:
    columns = ", ".join(c.name for c in table.columns if c.name != "id" or key == "id")
    return [
        tuple(row)
        for row in session.execute(text(f"SELECT {columns} FROM {table.name} ORDER BY {key}"))
    ]


def test_bulk_insert_stores_what_a_core_insert_stores(database_url):
    db = Database(database_url)
    n = 40
    with db.write() as session:
        statement_id = _setup(session)
        fast = _signals(1, n)
        slow = _signals(1001, n)
        bulk_insert(session, Signal.__table__, histories.SIGNAL_COLUMNS, fast)
        session.execute(Signal.__table__.insert(), [s._asdict() for s in slow])
        bulk_insert(
            session,
            Contribution.__table__,
            histories.CONTRIBUTION_COLUMNS,
            _contributions(fast, statement_id),
        )
        session.execute(
            Contribution.__table__.insert(),
            [
                dict(zip(histories.CONTRIBUTION_COLUMNS, c, strict=True)) | {"labels": list(c[3])}
                for c in _contributions(slow, statement_id)
            ],
        )
    with db.read() as session:
        signals = _stored(session, Signal.__table__, "id")
        contributions = _stored(session, Contribution.__table__, "signal_id")
    assert len(signals) == 2 * n and len(contributions) == 2 * n

    def shifted(rows, drop=()):
        """The twin's ids shifted back; value and digest (unique, so they differ) apart."""
        return [
            tuple(v - 1000 if i == 0 and v > 1000 else v for i, v in enumerate(r) if i not in drop)
            for r in rows
        ]

    # The same rows, raw as the database holds them.
    assert shifted(signals[n:], drop={2, 3}) == shifted(signals[:n], drop={2, 3})
    assert [r[2:4] for r in signals[:n]] == [(s.value, s.digest) for s in fast]
    assert shifted(contributions[n:]) == contributions[:n]
    db.dispose()


def test_histories_load_what_the_orm_reads(database_url):
    db = Database(database_url)
    with db.write() as session:
        statement_id = _setup(session)
        signals = _signals(1, 30)
        bulk_insert(session, Signal.__table__, histories.SIGNAL_COLUMNS, signals)
        bulk_insert(
            session,
            Contribution.__table__,
            histories.CONTRIBUTION_COLUMNS,
            _contributions(signals, statement_id),
        )
    digests = [s.digest for s in signals[::2]] + [b"\xff" * 32, b"\xfe" * 32]  # two unknown
    with db.read() as session:
        loaded = histories.histories(session, digests)
        twin = {}
        for digest in digests:
            row = session.scalars(select(Signal).where(Signal.digest == digest)).one_or_none()
            if row is None:
                continue
            record = SignalRecord(*(getattr(row, f) for f in histories.SIGNAL_COLUMNS))
            contributions = session.scalars(
                select(Contribution).where(Contribution.signal_id == row.id)
            ).all()
            twin[digest] = (
                record,
                sorted(
                    (
                        c.member_id,
                        c.statement_id,
                        tuple(c.labels),
                        c.content_type,
                        c.note,
                        c.status,
                        c.created_at,
                        c.retracted_at,
                        c.retraction_statement_id,
                    )
                    for c in contributions
                ),
            )
        assert session.scalar(select(Statement.id)) == statement_id
        ids = [s.id for s in signals[:10]]
        of_m1 = histories.contribution_records(session, ids, "m1")
        orm_m1 = session.scalars(
            select(Contribution).where(
                Contribution.signal_id.in_(ids), Contribution.member_id == "m1"
            )
        ).all()
        assert sorted((c.signal_id, c.labels, c.retracted_at) for c in of_m1) == sorted(
            (c.signal_id, tuple(c.labels), c.retracted_at) for c in orm_m1
        )
        assert len(of_m1) == 5
    assert set(loaded) == set(twin) and len(twin) == 15
    for digest, history in loaded.items():
        record, contributions = twin[digest]
        assert history.signal == record
        assert sorted(tuple(c)[1:] for c in history.contributions) == contributions
    db.dispose()
