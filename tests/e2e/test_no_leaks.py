"""Lookups are never stored: after signed lookups (one by query string), an over-long
request line and a malformed request all carrying a hash, no line the server wrote —
the front's own logs, the JSON request log, error logs — and no file in its data
directory holds that hash."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time

import requests

from clearinghouse.client import Client
from clearinghouse.crypto import SigningKey, sign_request
from clearinghouse.services.use_cases import members


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_no_lookup_hash_reaches_a_log_or_a_file(db, settings, tmp_path):
    key = SigningKey.generate()
    key_file = tmp_path / "m.key"
    key_file.write_bytes(key.to_pem())
    members.add_member(db, "alpha", "Alpha", "matcher", key.verify_key)
    port = _free_port()
    output = tmp_path / "server.log"
    env = {
        **os.environ,
        "CLEARINGHOUSE_DATA_DIR": str(settings.data_dir),
        "CLEARINGHOUSE_DATABASE_URL": settings.effective_database_url,
    }
    with open(output, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "clearinghouse.cli", "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        hashes = [secrets.token_hex(32) for _ in range(4)]
        with Client(url, "alpha", key_file) as client:
            client.match([{"signal_type": "pdq", "value": hashes[0]}])  # POST
        # GET with the hash in the query string, signed as any client would.
        signed = _signed_get(key, url, f"/v1/match?signal_type=pdq&value={hashes[1]}")
        assert signed.status_code == 200, signed.text
        long_line = f"GET /v1/match?value={hashes[2]}&pad={'x' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n"
        assert _raw(port, long_line.encode()).startswith(b"HTTP/1.1 414")
        bad = f"GET /v1/match?value={hashes[3]} HTTP/1.1\r\nHost: x\r\nContent-Length: z\r\n\r\n"
        answer = _raw(port, bad.encode())
        # Refused by the front (hyper) before the app: a bare 400 that echoes nothing.
        assert answer.startswith(b"HTTP/1.1 400") and hashes[3].encode() not in answer
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(30)
    written = output.read_bytes()
    assert b"/v1/match" in written  # the requests were logged, by route
    for value in hashes:
        assert value.encode() not in written
        for folder, _, files in os.walk(settings.data_dir):
            for name in files:
                with open(os.path.join(folder, name), "rb") as fh:
                    assert value.encode() not in fh.read(), name


def _signed_get(key, url: str, path: str):
    headers = sign_request(
        "GET", url + path, {}, None, key, created=int(time.time()), nonce=secrets.token_hex(8)
    )
    return requests.get(url + path, headers=headers, timeout=10)
