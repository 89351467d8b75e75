"""kill -9 under load: clients submit concurrently to a multi-worker ``clearinghouse
serve`` while the whole server (master and workers, one process group) is killed with
SIGKILL and restarted, several times. Afterwards every acknowledged (201) statement is in
the log with its items, no statement is half-stored (its signals are all there or none),
and ``audit verify`` passes. Bounded by counts: clients, statements, kills."""

from __future__ import annotations

import base64
import json
import threading
import time

from click.testing import CliRunner
from support import random_pdq

from clearinghouse.cli.main import build_cli
from clearinghouse.client import Client
from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import members
from clearinghouse.store.log import log_size, read_entries
from tests.e2e.serve_process import ServerProcess

CLIENTS = 3
STATEMENTS = 6  # per client
KILLS = 3
LABEL = "behaviour:glorification-of-terrorist-acts"


def _item() -> dict:
    return {
        "signal_type": "pdq",
        "value": random_pdq(),
        "quality": 90,
        "content_type": "image/jpeg",
        "labels": [LABEL],
    }


def test_acknowledged_statements_survive_kill_9(db, settings, tmp_path):
    keys = {}
    for n in range(CLIENTS):
        key = SigningKey.generate()
        path = tmp_path / f"m{n}.key"
        path.write_bytes(key.to_pem())
        members.add_member(db, f"member-{n}", f"M{n}", "submitter,matcher,auditor", key.verify_key)
        keys[f"member-{n}"] = path
    server = ServerProcess(settings)
    server.start()
    acked: list[tuple[int, list[str]]] = []  # (log_index, values)
    unacked: list[list[str]] = []
    done = 0
    lock = threading.Lock()

    def client(member: str) -> None:
        nonlocal done
        with Client(server.url, member, keys[member], retries=0, timeout=10) as c:
            for _ in range(STATEMENTS):
                server.up.wait(120)
                items = [_item(), _item()]
                values = [i["value"] for i in items]
                try:
                    answer = c.submit(items)
                except Exception:  # killed mid-request: the answer never came
                    with lock:
                        unacked.append(values)
                    continue
                with lock:
                    acked.append((answer["log_index"], values))
            with lock:
                done += 1

    threads = [threading.Thread(target=client, args=(m,)) for m in keys]
    for t in threads:
        t.start()
    try:
        for k in range(KILLS):
            target = (k + 1) * CLIENTS  # kill after some statements each round
            deadline = time.monotonic() + 120
            while len(acked) + len(unacked) < target and time.monotonic() < deadline:
                time.sleep(0.05)
            server.kill()
            time.sleep(0.3)
            server.start()
        for t in threads:
            t.join(300)
        assert done == CLIENTS
    finally:
        server.stop()

    assert len(acked) >= CLIENTS  # the load really ran
    with db.read() as session:
        entries = [json.loads(d) for _, d in read_entries(session, 0, log_size(session))]
    logged: dict[int, set[str]] = {}
    for index, entry in enumerate(entries):
        if entry["type"] == "submission":
            payload = entry["envelope"]["payload"]
            body = json.loads(base64.b64decode(payload))
            logged[index] = {item["value"] for item in body["items"]}
    for index, values in acked:  # every acknowledged statement is in the log
        assert logged.get(index) == set(values)
    everything = set().union(*logged.values()) if logged else set()
    for values in unacked:  # all of a statement or none of it
        present = [v in everything for v in values]
        assert all(present) or not any(present)

    server.start()  # audit the log as an auditor would
    try:
        member, key = next(iter(keys.items()))
        r = CliRunner().invoke(
            build_cli(),
            ["audit", "verify", "--server", server.url, "--member", member, "--key", str(key)],
            env={"CLEARINGHOUSE_DATA_DIR": str(settings.data_dir)},
        )
        assert r.exit_code == 0, r.output
    finally:
        server.stop()
