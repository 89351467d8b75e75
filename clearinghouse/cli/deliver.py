"""``clearinghouse deliver``: webhook delivery in a process of its own.

For deployments that keep delivery apart from serving (set
``CLEARINGHOUSE_WEBHOOK_DELIVERY=false`` for ``serve`` then). Any number may run against
one PostgreSQL; they share the queue without sending a delivery twice.
"""

from __future__ import annotations

import signal

import click

from clearinghouse.bootstrap import bootstrap
from clearinghouse.config import load_settings
from clearinghouse.services.use_cases import schema

__all__ = ["deliver"]


@click.command()
def deliver() -> None:
    """Deliver webhooks until stopped (SIGTERM or Ctrl-C)."""
    settings = load_settings()
    schema.require_current(settings)
    root = bootstrap(settings)
    deliverer = root.deliverer

    def stop(_signum, _frame) -> None:
        deliverer.interrupt()

    signal.signal(signal.SIGTERM, stop)
    click.echo("Clearinghouse delivering webhooks", err=True)
    try:
        deliverer.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        root.close()
