"""On the light install, a command whose optional dependencies are missing says which
extra to install, in one line, instead of a traceback."""

from __future__ import annotations

import importlib

import pytest
from click.testing import CliRunner

from clearinghouse.cli import main as cli_main
from clearinghouse.cli.extras import extra_for, missing_extra


@pytest.mark.parametrize(
    ("package", "extra"),
    [
        ("flask", "server"),
        ("sqlalchemy.orm", "server"),
        ("faiss", "server"),
        ("PIL", "hashing"),
        ("av", "hashing"),
        ("requests", None),
        ("clearinghouse.cli.site", None),
        (None, None),
    ],
)
def test_each_package_belongs_to_its_extra(package, extra):
    assert extra_for(package) == extra


def test_a_command_without_its_server_dependencies_says_which_extra(monkeypatch):
    real = importlib.import_module

    def without_server(name, *args):
        if name == "clearinghouse.cli.serve":
            raise ModuleNotFoundError("No module named 'flask'", name="flask")
        return real(name, *args)

    monkeypatch.setattr(cli_main.cli, "commands", {})
    monkeypatch.setattr(cli_main.importlib, "import_module", without_server)
    group = cli_main.build_cli()
    serve = group.get_command(None, "serve")  # commands load when first needed
    assert "needs the [server] install of the repository checkout" in serve.help
    result = CliRunner().invoke(group, ["serve", "--port", "8080"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: this command needs the server install (flask is missing): "
        "pip install '/path/to/clearinghouse[server]' (the repository checkout)"
    )
    # Another missing module is a real error, not an extra to install.
    assert missing_extra(ModuleNotFoundError("x", name="leftpad")) is None
