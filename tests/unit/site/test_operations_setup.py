"""What ``serve`` prepares for operations: an emptied metrics directory shared by the
workers, a listen address it can parse, and worker-exit clean-up."""

from __future__ import annotations

import os

# prometheus_client picks files or memory once, when first imported: import it here,
# before any test sets PROMETHEUS_MULTIPROC_DIR, so the other tests keep memory.
import prometheus_client.multiprocess  # noqa: F401
import pytest

from clearinghouse.cli.operations import gunicorn_hooks, prepare_metrics_dir
from clearinghouse.config import load_settings
from clearinghouse.errors import ConfigError


def test_the_metrics_directory_starts_empty(tmp_path):
    # prometheus_client switches to files whenever the variable exists: put it back as it was.
    before = os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    try:
        settings = load_settings(environ={}, data_dir=tmp_path)
        stale = tmp_path / "metrics" / "counter_4242.db"
        stale.parent.mkdir()
        stale.write_bytes(b"old counts")
        path = prepare_metrics_dir(settings)
        assert path == tmp_path / "metrics" and list(path.iterdir()) == []
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(path)
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if before is not None:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = before


def test_a_dead_workers_live_gauges_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    mine, other = tmp_path / "gauge_livesum_4242.db", tmp_path / "gauge_livesum_4343.db"
    mine.write_bytes(b"")
    other.write_bytes(b"")
    hooks = gunicorn_hooks(load_settings(environ={}, data_dir=tmp_path))
    hooks["child_exit"](None, type("Worker", (), {"pid": 4242})())
    assert not mine.exists() and other.exists()


@pytest.mark.parametrize("listen", ["9464", "host:", ":9464", "host:port", "host:70000"])
def test_a_bad_metrics_listen_address_is_a_clear_error(tmp_path, listen):
    settings = load_settings(environ={}, data_dir=tmp_path, metrics_listen=listen)
    with pytest.raises(ConfigError, match="CLEARINGHOUSE_METRICS_LISTEN must be host:port"):
        gunicorn_hooks(settings)
