"""Every client path pointed at a hostile server (issue #20.3): the SDK, the CLI, the
auditor and the threatexchange exchange each end with one error — one line and a failing exit on
the command line — within their deadline and memory ceiling, never a traceback or a hang.

The deadline is set to 2 s (``CLEARINGHOUSE_CLIENT_DEADLINE``) and the answer ceiling to
4 MiB so the cases stay short; every case is bounded by those, not by luck.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest
from click.testing import CliRunner
from hostile_server import MODES, HostileServer

from clearinghouse.cli.main import build_cli
from clearinghouse.client import Client
from clearinghouse.crypto import SigningKey
from clearinghouse.errors import ClearinghouseError
from clearinghouse.tlog.note import open_note

DEADLINE = 2.0
CEILING = 4 * 1024 * 1024
ENV = {
    "CLEARINGHOUSE_CLIENT_DEADLINE": str(DEADLINE),
    "CLEARINGHOUSE_CLIENT_MAX_ANSWER_BYTES": str(CEILING),
}
# Per attempt: at most the deadline; the retried cases (garbage status) retry quickly.
BOUND = DEADLINE * 2 + 3


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "m.key"
    path.write_bytes(SigningKey.generate().to_pem())
    path.chmod(0o600)  # as keygen writes it: a wider mode adds a warning line
    return path


def _sdk_calls(client: Client):
    return {
        "labels": client.labels,
        "match": lambda: client.match([{"signal_type": "pdq", "value": "0" * 64}]),
        # A checkpoint is text; whatever came is then opened as a signed note.
        "checkpoint": lambda: open_note(client.log_checkpoint(), []),
        "log entries": lambda: list(client.log_entries(0, 10)),
    }


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("call", ["labels", "match", "checkpoint", "log entries"])
def test_sdk_fails_with_one_error_in_bounded_time_and_memory(mode, call, key_file):
    with HostileServer(mode) as server:
        client = Client(
            server.url,
            "m",
            key_file,
            retries=1,
            timeout=1.0,
            deadline=DEADLINE,
            max_answer_bytes=CEILING,
            sleep=lambda s: None,
        )
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(ClearinghouseError) as raised:
                _sdk_calls(client)[call]()
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            client.close()
    assert elapsed < BOUND, f"{elapsed:.1f} s"
    assert peak < 4 * CEILING, f"peak {peak} bytes"
    text = str(raised.value)
    assert "\n" not in text and len(text) < 600, text
    assert "Traceback" not in text


CLI_CASES = {
    "labels": ["labels"],
    "match": ["match", "--type", "pdq", "--value", "0" * 64],
    "signals mine": ["signals", "mine"],
    "export": ["export"],
    "audit verify": ["audit", "verify"],
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("command", list(CLI_CASES))
def test_cli_ends_with_one_line_and_a_failing_exit(mode, command, key_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with HostileServer(mode) as server:
        env = {
            **ENV,
            "CLEARINGHOUSE_URL": server.url,
            "CLEARINGHOUSE_MEMBER": "m",
            "CLEARINGHOUSE_KEY": str(key_file),
        }
        started = time.monotonic()
        result = CliRunner().invoke(build_cli(), CLI_CASES[command], env=env)
        elapsed = time.monotonic() - started
    # 1 for a failed call, 2 when the answer says this is likely not the server's base URL
    assert result.exit_code in (1, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert elapsed < 4 * BOUND, f"{elapsed:.1f} s"  # the CLI retries 3 times, quickly


@pytest.mark.parametrize("mode", list(MODES))
def test_the_exchange_raises_one_named_error(mode, key_file):
    from clearinghouse.exchange import ClearinghouseCollabConfig, ClearinghouseSignalExchangeAPI

    with HostileServer(mode) as server:
        collab = ClearinghouseCollabConfig(
            name="ch", api="clearinghouse", enabled=True, server_url=server.url
        )
        client = Client(
            server.url, "m", key_file, retries=0, deadline=DEADLINE, max_answer_bytes=CEILING
        )
        api = ClearinghouseSignalExchangeAPI(collab, client)
        started = time.monotonic()
        try:
            with pytest.raises(ClearinghouseError) as raised:
                list(api.fetch_iter([], None))
        finally:
            client.close()
        elapsed = time.monotonic() - started
    assert elapsed < BOUND
    assert "\n" not in str(raised.value)
