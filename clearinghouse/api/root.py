"""The process's composition root, as the views reach it inside a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from clearinghouse.bootstrap import Root

__all__ = ["current_root"]


def current_root() -> Root:
    """The ``Root`` that ``create_app`` was built with."""
    return current_app.extensions["clearinghouse"]
