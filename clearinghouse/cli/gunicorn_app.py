"""Gunicorn as a library: each worker builds its own app after the fork."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from clearinghouse.config import Settings


class GunicornApp(BaseApplication):
    def __init__(self, settings: Settings, options: dict) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from clearinghouse.api import create_app
        from clearinghouse.cli.operations import log_requests_as_json

        log_requests_as_json()

        return create_app(self.settings)
