"""Dependencies point one way (DESIGN §10): checked in fresh interpreters and by source."""

import ast
from pathlib import Path

from .sources import PACKAGE, python_files, walked

HEAVY = ("flask", "sqlalchemy", "faiss")
OWNER = {"flask": "api", "sqlalchemy": "store", "faiss": "index"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in walked(path):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_heavy_dependencies_stay_in_their_rooms():
    wrong = []
    for path in python_files():
        room = path.relative_to(PACKAGE).parts[0]
        for lib in _imports(path) & set(HEAVY):
            if room != OWNER[lib]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {lib}")
    assert wrong == []


def test_cryptography_only_in_crypto():
    wrong = [
        str(p.relative_to(PACKAGE))
        for p in python_files()
        if "cryptography" in _imports(p) and p.relative_to(PACKAGE).parts[0] != "crypto"
    ]
    assert wrong == []


def test_client_never_imports_server_packages():
    wrong = []
    for path in python_files(PACKAGE / "client"):
        for node in walked(path):
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
