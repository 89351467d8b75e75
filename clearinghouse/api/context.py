"""Access to the process's ServiceContext from inside a request."""

from __future__ import annotations

from flask import current_app

from clearinghouse.services.context import ServiceContext


def service_context() -> ServiceContext:
    return current_app.extensions["clearinghouse"]
