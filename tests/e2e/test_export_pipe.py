"""``clearinghouse export | head -1`` ends as soon as ``head`` has its line, exits 0 and
says nothing: the export writes each page as it arrives and takes the reader going away
as the end, not as an error.

The server here is a stand-in whose change feed never ends, so an export that waited for
the whole feed before writing, or kept reading after ``head`` left, would never finish.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from clearinghouse.crypto import SigningKey

MEMBER = "acme"
PAGE = 100  # signals a page


class EndlessFeed:
    """``GET /v1/members/me`` and a ``GET /v1/signals`` whose every page has a next one."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key
        self.pages = 0
        self._ids = itertools.count(1)

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == "/v1/members/me":
            body = {"member": MEMBER, "key_id": self.key.key_id, "roles": ["matcher"]}
        elif request.path == "/v1/signals":
            self.pages += 1
            signals = [self._signal(next(self._ids)) for _ in range(PAGE)]
            body = {"signals": signals, "next": f"{self.pages}.{signals[-1]['signal_id']}"}
        else:
            return Response(status=404)(environ, start_response)
        return Response(json.dumps(body), mimetype="application/json")(environ, start_response)

    @staticmethod
    def _signal(signal_id: int) -> dict:
        return {"signal_id": signal_id, "signal_type": "pdq", "value": f"{signal_id:064x}",
                "status": "active", "labels": {}, "content_types": ["image/jpeg"]}  # fmt: skip


@pytest.fixture
def endless(tmp_path):
    key = SigningKey.generate()
    key_path = tmp_path / "acme.key"
    key_path.write_bytes(key.to_pem())
    key_path.chmod(0o600)
    feed = EndlessFeed(key)
    httpd = make_server("127.0.0.1", 0, feed, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield feed, f"http://127.0.0.1:{httpd.server_port}", key_path
    httpd.shutdown()
    thread.join()
    httpd.server_close()


def test_export_into_head_ends_at_once_quietly(endless, tmp_path):
    feed, url, key_path = endless
    export = f"{sys.executable} -m clearinghouse.cli export"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{export} | head -1"],
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "CLEARINGHOUSE_URL": url,
            "CLEARINGHOUSE_MEMBER": MEMBER,
            "CLEARINGHOUSE_KEY": str(key_path),
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,  # a guard only: an export that never ends fails here
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    [line] = done.stdout.splitlines()
    assert json.loads(line)["signal_id"] == 1
    assert feed.pages < 10  # it stopped reading the feed once head had gone
