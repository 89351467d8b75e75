"""``clearinghouse serve``: the service behind granian (or Flask's reloader with --dev).

Granian runs ``--workers`` separate worker processes; each builds its own app, with its
own index set and log follower (``cli/front.worker_app``), and serves it from
``--threads`` threads through ``cli/front.WsgiBridge``."""

from __future__ import annotations

import errno
import socket

import click

from clearinghouse.bootstrap import bootstrap
from clearinghouse.config import Settings, load_settings
from clearinghouse.errors import ConfigError
from clearinghouse.services.use_cases import replay_store, schema, taxonomy

__all__ = ["check_port_free", "prepare", "serve"]


def prepare(settings: Settings) -> None:
    """Before workers fork: the database must answer, the replay store must be the
    deployment's, and the log key must exist, so no two workers race to create it."""
    root = bootstrap(settings)
    try:
        root.db.ping()
        replay_store.claim(root.db, root.replay)
        root.log_key.signing_key()
        taxonomy.record_taxonomy(root.db, root.taxonomy)
    finally:
        root.close()


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on, before saying that we listen there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"port {port} on {host} is already in use: stop the other server, or "
                    f"choose another port (--port N, or PORT=N with make run)"
                ) from None
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256))
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
def serve(host: str, port: int, workers: int, threads: int, dev: bool) -> None:
    """Run the service on the configured database (`db upgrade` first)."""
    settings = load_settings()  # a bad setting stops here, before any worker starts
    schema.require_current(settings)
    prepare(settings)
    check_port_free(host, port)
    click.echo(f"Clearinghouse listening on http://{host}:{port}", err=True)
    if dev:
        from clearinghouse.api import create_app

        create_app(settings).run(host=host, port=port, debug=True, use_reloader=True)
        return
    from clearinghouse.cli.front import run_front
    from clearinghouse.cli.operations import metrics_listener, prepare_metrics_dir

    start_listener = metrics_listener(settings)  # a bad address stops here
    prepare_metrics_dir(settings)
    if start_listener is not None:
        start_listener()
    run_front(settings, host, port, workers, threads)
