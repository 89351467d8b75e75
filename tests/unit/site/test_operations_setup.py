"""What ``serve`` prepares for operations: an emptied metrics directory shared by the
workers, a listen address it can parse, and clean-up after a worker that died."""

from __future__ import annotations

import os

# prometheus_client picks files or memory once, when first imported: import it here,
# before any test sets PROMETHEUS_MULTIPROC_DIR, so the other tests keep memory.
import prometheus_client.multiprocess  # noqa: F401
import pytest

from clearinghouse.cli.operations import (
    forget_dead_workers,
    metrics_listener,
    prepare_metrics_dir,
)
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
    dead = 2**22 + 17  # above Linux's default pid_max: no process has it
    gone, alive = (
        tmp_path / f"gauge_livesum_{dead}.db",
        tmp_path / f"gauge_livesum_{os.getpid()}.db",
    )
    gone.write_bytes(b"")
    alive.write_bytes(b"")
    forget_dead_workers()
    assert not gone.exists() and alive.exists()


@pytest.mark.parametrize("listen", ["9464", "host:", ":9464", "host:port", "host:70000"])
def test_a_bad_metrics_listen_address_is_a_clear_error(tmp_path, listen):
    settings = load_settings(environ={}, data_dir=tmp_path, metrics_listen=listen)
    with pytest.raises(ConfigError, match="CLEARINGHOUSE_METRICS_LISTEN must be host:port"):
        metrics_listener(settings)
