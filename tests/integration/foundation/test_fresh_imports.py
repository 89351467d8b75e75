"""Dependencies point one way (DESIGN §10), checked in fresh interpreters: importing a pure
package, or the member commands, loads no server dependency."""

import subprocess
import sys

import pytest

HEAVY = ("flask", "sqlalchemy", "faiss")


@pytest.mark.parametrize("pure", ["signals", "crypto", "tlog", "client"])
def test_pure_packages_import_no_server_dependency(pure):
    code = (
        "import sys, importlib, pkgutil\n"
        f"import clearinghouse.{pure} as p\n"
        "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(','.join(h for h in {HEAVY!r} if h in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_member_commands_import_no_server_dependency():
    code = (
        "import sys\n"
        "import clearinghouse.client, clearinghouse.cli.statements, clearinghouse.cli.listing\n"
        "heavy = ('flask', 'sqlalchemy', 'faiss', 'clearinghouse.store', 'clearinghouse.api',\n"
        "         'clearinghouse.services', 'clearinghouse.index', 'clearinghouse.config')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
