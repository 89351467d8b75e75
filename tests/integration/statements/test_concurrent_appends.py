"""Several writers at once: log indexes stay dense, entry times never go backwards, each
change is exactly one entry, and the stored tree agrees with a recomputation."""

import json
import threading

from support import now_rfc3339

from clearinghouse.bootstrap import bootstrap
from clearinghouse.crypto import SigningKey, sign_envelope
from clearinghouse.services.adapters.caller import Caller
from clearinghouse.services.use_cases import members, statements
from clearinghouse.store.log import SqlNodeReader, log_size, read_entries
from clearinghouse.tlog.compact import CompactRange
from clearinghouse.tlog.hashing import leaf_hash
from clearinghouse.tlog.proofs import root

LABEL = "behaviour:glorification-of-terrorist-acts"
WRITERS, EACH = 4, 8


def test_parallel_writers_keep_the_log_dense(settings, db):
    keys = {f"m{i}": SigningKey.generate() for i in range(WRITERS)}
    for member, key in keys.items():
        members.add_member(db, member, member, "submitter", key.verify_key)
    errors: list[BaseException] = []

    def writer(member: str, key: SigningKey) -> None:
        process = bootstrap(settings)  # its own engine and connections, like a process
        try:
            caller = Caller(member, key.key_id, frozenset({"submitter"}))
            for n in range(EACH):
                items = [
                    {
                        "signal_type": "md5",
                        "value": f"{hash((member, n)) & (2**128 - 1):032x}",
                        "content_type": "video/mp4",
                        "labels": [LABEL],
                    }
                ]
                payload = json.dumps(
                    {"member": member, "created": now_rfc3339(), "items": items}
                ).encode()
                body = sign_envelope(
                    "application/vnd.clearinghouse.submission+json", payload, key
                ).to_json()
                statements.accept_statement(process.statements, "submission", caller, body)
                members.add_key(process.db, member, SigningKey.generate().verify_key)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            process.close()

    threads = [threading.Thread(target=writer, args=item) for item in keys.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    with db.read() as session:
        size = log_size(session)
        entries = read_entries(session, 0, size)
        stored_root = root(size, SqlNodeReader(session))
    assert size == WRITERS + WRITERS * EACH * 2
    assert [i for i, _ in entries] == list(range(size))
    types = [json.loads(d)["type"] for _, d in entries]
    times = [json.loads(d)["time"] for _, d in entries]
    assert times == sorted(times)  # read after the lock: never backwards in the log
    assert types.count("submission") == types.count("key_added") == WRITERS * EACH
    recomputed = CompactRange()
    for _, data in entries:
        recomputed.append(leaf_hash(data))
    assert recomputed.root() == stored_root
