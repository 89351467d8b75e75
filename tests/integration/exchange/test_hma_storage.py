"""The exchange as HMA runs it: its checkpoint through HMA's storage calls into a real
SQLAlchemy ``JSON`` column (SQLite here, PostgreSQL with TEST_DATABASE_URL), a fetch by a
member with the matcher role only across growths of the log, and the failures a fetch
names.

HMA 2.0 (OpenMediaMatch, ``storage/postgres/database.py``) keeps the checkpoint in
``ExchangeFetchStatus.checkpoint_json``: ``set_checkpoint`` stores
``dataclass_json.dataclass_dump_dict(checkpoint)`` (``dataclasses.asdict`` plus a
round-trip check) and ``as_checkpoint`` reads it back with ``dataclass_load_dict``
(dacite); its fetcher (``background_tasks/fetcher.py``) then passes that checkpoint to
``fetch_iter`` and asserts the progress time never goes back. These tests make exactly
those calls.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from support import add_member, pdq_item, random_pdq
from threatexchange.exchanges.auth import SignalExchangeAPIInvalidAuthException
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.utils import dataclass_json

from clearinghouse.client import AuthenticationProblem, Client, ForbiddenProblem
from clearinghouse.crypto import SigningKey
from clearinghouse.errors import VerificationError
from clearinghouse.exchange import (
    ClearinghouseCheckpoint,
    ClearinghouseCollabConfig,
    ClearinghouseCredentials,
)
from clearinghouse.exchange import ClearinghouseSignalExchangeAPI as API
from clearinghouse.services.use_cases import members

TYPES = [PdqSignal]


class HmaFetchStatus:
    """HMA's ``exchange_fetch_status`` table, reduced to what holds the checkpoint."""

    def __init__(self, database_url: str, collab: str = "ch") -> None:
        self.engine = sa.create_engine(database_url)
        self.meta = sa.MetaData()
        self.table = sa.Table(
            f"test_hma_exchange_fetch_status_{collab}",
            self.meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("checkpoint_ts", sa.BigInteger),
            sa.Column("checkpoint_json", sa.JSON),
        )
        self.meta.drop_all(self.engine)
        self.meta.create_all(self.engine)

    def set_checkpoint(self, checkpoint: ClearinghouseCheckpoint) -> None:
        row = {
            "id": 1,
            "checkpoint_json": dataclass_json.dataclass_dump_dict(checkpoint),
            "checkpoint_ts": checkpoint.get_progress_timestamp(),
        }
        with self.engine.begin() as conn:
            conn.execute(sa.delete(self.table))
            conn.execute(sa.insert(self.table), row)

    def as_checkpoint(self) -> ClearinghouseCheckpoint | None:
        with self.engine.connect() as conn:
            stored = conn.execute(sa.select(self.table.c.checkpoint_json)).scalar()
        if stored is None:
            return None
        return dataclass_json.dataclass_load_dict(stored, API.get_checkpoint_cls())

    def close(self) -> None:
        self.meta.drop_all(self.engine)
        self.engine.dispose()


@pytest.fixture
def hma(database_url):
    status = HmaFetchStatus(database_url)
    yield status
    status.close()


@pytest.fixture
def alpha(db, client):
    return add_member(db, client, "alpha", "submitter")


@pytest.fixture
def reader(db, client):
    """A member that may fetch and nothing else: no auditor role."""
    return add_member(db, client, "reader", "matcher")


def _api(server: str, member: str, key: SigningKey) -> API:
    collab = ClearinghouseCollabConfig(
        name="ch", api="clearinghouse", enabled=True, server_url=server
    )
    return API(collab, Client(server, member, key, retries=0), page_size=2)


def hma_fetch(api: API, hma: HmaFetchStatus, bank: dict) -> int:
    """One run of HMA's ``_fetch``: checkpoint from storage, deltas into the bank, the
    checkpoint committed after each delta; returns the deltas seen."""
    checkpoint = hma.as_checkpoint()
    seen = 0
    for delta in api.fetch_iter(TYPES, checkpoint):
        assert delta.checkpoint is not None
        if checkpoint is not None:
            before, now = (
                checkpoint.get_progress_timestamp(),
                delta.checkpoint.get_progress_timestamp(),
            )
            if before is not None and now is not None:
                assert before <= now, "checkpoint time rewound?"
        API.naive_fetch_merge(bank, delta.updates)
        hma.set_checkpoint(delta.checkpoint)
        # exchange_commit_fetch asserts the stored checkpoint, read back, equals the one
        # the fetch started from: the JSON round trip must give the same checkpoint.
        assert hma.as_checkpoint() == delta.checkpoint
        checkpoint = delta.checkpoint
        seen += 1
    return seen


def _submit(member, n: int) -> list[str]:
    values = [random_pdq() for _ in range(n)]
    r = member.state("submission", [pdq_item(v) for v in values])
    assert r.status_code == 201, r.json
    return values


def _bank(api: API, bank: dict) -> set[str]:
    return set(API.naive_convert_to_signal_type(TYPES, api.collab, bank).get(PdqSignal, {}))


def test_a_matcher_only_member_fetches_across_three_growths_through_a_json_column(
    server, alpha, reader, hma
):
    api = _api(server, "reader", reader.key)
    bank: dict = {}
    expected: set[str] = set()
    sizes = []
    for _ in range(4):  # the first fetch, then three growths of the log
        expected |= set(_submit(alpha, 3))
        assert hma_fetch(api, hma, bank) >= 2
        assert _bank(api, bank) == expected
        stored = hma.as_checkpoint()
        assert isinstance(stored.root_hash, str) and len(stored.root) == 32
        sizes.append(stored.tree_size)
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    record = next(iter(bank.values()))
    assert record.log == stored.log and stored.log.startswith("clearinghouse.localhost/log+")


def test_a_forked_log_is_refused_after_the_checkpoint_went_through_json(
    db, server, alpha, reader, hma
):
    from integration.audit.tampering import truncate

    api = _api(server, "reader", reader.key)
    bank: dict = {}
    _submit(alpha, 1)
    hma_fetch(api, hma, bank)
    size = hma.as_checkpoint().tree_size
    truncate(db, size - 1)
    _submit(alpha, 1)  # the same size again, another history
    with pytest.raises(VerificationError, match="forked or rewritten"):
        hma_fetch(api, hma, bank)
    _submit(alpha, 2)  # grown past it: the consistency proof fails instead
    with pytest.raises(VerificationError, match="forked or rewritten"):
        hma_fetch(api, hma, bank)
    assert hma.as_checkpoint().tree_size == size  # nothing stored


def test_the_same_log_behind_another_url_resumes(server, alpha, reader, hma):
    bank: dict = {}
    _submit(alpha, 2)
    hma_fetch(_api(server, "reader", reader.key), hma, bank)
    before = hma.as_checkpoint()
    other = server.replace("127.0.0.1", "localhost")
    _submit(alpha, 1)
    hma_fetch(_api(other, "reader", reader.key), hma, bank)
    after = hma.as_checkpoint()
    assert after.log == before.log and after.tree_size > before.tree_size
    assert {r.log for r in bank.values()} == {before.log}


def test_another_log_behind_the_same_url_is_another_source(
    switched_server, db, client, other_log, hma
):
    url, put_behind = switched_server
    first_key, second_key = SigningKey.generate(), SigningKey.generate()
    for where, key in ((SimpleNamespace(db=db, client=client), first_key), (other_log, second_key)):
        members.add_member(where.db, "reader", "Reader", "matcher", key.verify_key)
    alpha = add_member(db, client, "alpha", "submitter")
    _submit(alpha, 2)
    bank: dict = {}
    hma_fetch(_api(url, "reader", first_key), hma, bank)
    first = hma.as_checkpoint()

    put_behind(other_log.app)  # the operator moved: a new log, with its own key
    elsewhere = add_member(other_log.db, other_log.client, "alpha", "submitter")
    fresh = set(_submit(elsewhere, 3))
    with pytest.raises(VerificationError) as caught:
        hma_fetch(_api(url, "reader", second_key), hma, bank)
    assert first.log in caught.value.detail and "fetching stopped" in caught.value.detail
    assert hma.as_checkpoint() == first  # nothing stored

    new_bank: dict = {}  # a new collaboration fetches the new log from its start
    new_hma = HmaFetchStatus(hma.engine.url.render_as_string(hide_password=False), "new")
    try:
        api = _api(url, "reader", second_key)
        hma_fetch(api, new_hma, new_bank)
        second = new_hma.as_checkpoint()
    finally:
        new_hma.close()
    assert second.log != first.log and second.log in caught.value.detail
    assert _bank(api, new_bank) == fresh
    assert {r.log for r in new_bank.values()} == {second.log}


def test_a_key_of_another_member_is_named_as_such(db, client, server, alpha, reader):
    api = _api(server, "reader", alpha.key)  # the credentials name reader, the key is alpha's
    with pytest.raises(ForbiddenProblem) as caught:
        list(api.fetch_iter(TYPES, None))
    assert "'alpha'" in caught.value.detail and "not 'reader'" in caught.value.detail
    assert alpha.key.key_id in caught.value.detail


def test_a_member_without_the_matcher_role_is_told_which_role(db, client, server, caplog):
    auditor = add_member(db, client, "looker", "auditor")
    api = _api(server, "looker", auditor.key)
    with pytest.raises(ForbiddenProblem) as caught:
        list(api.fetch_iter(TYPES, None))
    assert "'matcher'" in caught.value.detail and "looker" in caught.value.detail
    assert "matcher" in caplog.text  # logged for HMA, whose UI says only "failed to fetch"


def test_a_key_the_server_does_not_know_is_named(server, alpha, reader):
    stranger = SigningKey.generate()
    api = _api(server, "reader", stranger)
    with pytest.raises(AuthenticationProblem) as caught:
        list(api.fetch_iter(TYPES, None))
    assert stranger.key_id in caught.value.detail and "key_path" in caught.value.detail


def test_a_bad_key_path_is_one_line(tmp_path, server, caplog):
    collab = ClearinghouseCollabConfig(
        name="ch", api="clearinghouse", enabled=True, server_url=server
    )
    creds = ClearinghouseCredentials(member="reader", key_path=str(tmp_path / "missing.key"))
    with pytest.raises(SignalExchangeAPIInvalidAuthException) as caught:
        API.for_collab(collab, creds)
    assert "missing.key" in caught.value.message and "\n" not in caught.value.message
    assert caught.value.message in caplog.text  # logged for HMA, which shows a traceback
