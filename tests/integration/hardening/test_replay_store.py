"""One replay store per deployment: servers with Redis and without (or with another data
directory's replay file) on one database would each accept a request the other had seen,
so the first server records its store and one that would use another refuses to start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from clearinghouse.cli.main import build_cli
from clearinghouse.cli.serve import prepare
from clearinghouse.config import load_settings
from clearinghouse.errors import ConfigError
from tests.conftest import PG_URL


def _settings(settings, **overrides):
    return load_settings(
        environ={},
        data_dir=overrides.pop("data_dir", settings.data_dir),
        database_url=settings.effective_database_url,
        **overrides,
    )


def _serve(env: dict, cwd) -> subprocess.CompletedProcess:
    """``clearinghouse serve`` on a port held busy: a process whose replay store is the
    deployment's gets as far as the port; one that is not stops before it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLEARINGHOUSE_")}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        return subprocess.run(
            [sys.executable, "-m", "clearinghouse.cli", "serve", "--port", port],
            env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=60,
        )  # fmt: skip


def test_a_server_without_redis_refuses_a_database_served_with_redis(settings, redis_server):
    with_redis = _settings(settings, redis_url=redis_server.url)
    prepare(with_redis)
    prepare(with_redis)  # the same store again: fine
    with pytest.raises(ConfigError) as refused:
        prepare(_settings(settings))
    line = str(refused.value)
    assert "\n" not in line
    assert f"Redis at 127.0.0.1:{redis_server.port}/0" in line
    assert "CLEARINGHOUSE_REDIS_URL" in line and "replay-store --adopt" in line


def test_a_server_with_redis_refuses_a_database_served_without(settings, redis_server, tmp_path):
    env = {"CLEARINGHOUSE_DATA_DIR": str(settings.data_dir),
           "CLEARINGHOUSE_DATABASE_URL": settings.effective_database_url}  # fmt: skip
    first = _serve(env, tmp_path)
    assert first.returncode == 1 and "already in use" in first.stderr  # its store recorded
    mixed = _serve({**env, "CLEARINGHOUSE_REDIS_URL": redis_server.url}, tmp_path)
    assert mixed.returncode == 1
    lines = mixed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: this database's servers refuse")
    assert "listening" not in mixed.stderr and "Traceback" not in mixed.stderr


def test_the_operator_adopts_another_store_for_the_whole_deployment(
    settings, redis_server, monkeypatch
):
    prepare(_settings(settings))
    monkeypatch.setenv("CLEARINGHOUSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CLEARINGHOUSE_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("CLEARINGHOUSE_REDIS_URL", redis_server.url)
    runner = CliRunner()
    shown = runner.invoke(build_cli(), ["db", "replay-store"])
    assert shown.exit_code == 1 and "would use Redis at" in shown.stderr
    adopted = runner.invoke(build_cli(), ["db", "replay-store", "--adopt"])
    assert adopted.exit_code == 0 and "Redis at" in adopted.stdout
    prepare(_settings(settings, redis_url=redis_server.url))
    with pytest.raises(ConfigError):
        prepare(_settings(settings))
    assert runner.invoke(build_cli(), ["db", "replay-store"]).exit_code == 0


def test_servers_on_one_database_without_redis_share_its_store(settings, tmp_path):
    first = _settings(settings)
    prepare(first)
    other_dir = _settings(  # the deployment's own log key, another data directory
        settings, data_dir=tmp_path / "elsewhere", log_key_path=first.effective_log_key_path
    )
    if PG_URL:  # both remember signatures in the database's own table
        prepare(other_dir)
    else:  # each data directory has its own replay file: not one store
        with pytest.raises(ConfigError, match="replay file"):
            prepare(other_dir)
