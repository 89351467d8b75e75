"""Dependencies point one way (DESIGN §10): checked in fresh interpreters and by source."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "clearinghouse"
HEAVY = ("flask", "sqlalchemy", "faiss")
OWNER = {"flask": "api", "sqlalchemy": "store", "faiss": "index"}


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


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_heavy_dependencies_stay_in_their_rooms():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        room = path.relative_to(PACKAGE).parts[0]
        for lib in _imports(path) & set(HEAVY):
            if room != OWNER[lib]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {lib}")
    assert wrong == []


def test_cryptography_only_in_crypto():
    wrong = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "cryptography" in _imports(p) and p.relative_to(PACKAGE).parts[0] != "crypto"
    ]
    assert wrong == []


def test_client_never_imports_server_packages():
    wrong = []
    for path in (PACKAGE / "client").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and any(
                    node.module.startswith(f"clearinghouse.{p}")
                    for p in ("store", "api", "index", "services")
                )
            ):
                wrong.append(f"{path.name}: {node.module}")
    assert wrong == []
