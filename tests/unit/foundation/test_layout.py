"""The package stays readable: no module over 400 lines, every package says in its
``__init__`` docstring what lives there, and every module names what it exports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .sources import PACKAGE, parsed, python_files, text

MAX_LINES = 400


def _sources() -> list[Path]:
    return [p for p in python_files() if "migrations" not in p.parts]


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_no_module_is_over_400_lines():
    lines = {_rel(p): len(text(p).splitlines()) for p in _sources()}
    assert {path: n for path, n in lines.items() if n > MAX_LINES} == {}


def _packages() -> list[Path]:
    return sorted(
        d
        for d in [PACKAGE, *PACKAGE.rglob("*")]
        if d.is_dir() and "__pycache__" not in d.parts and any(d.glob("*.py"))
    )


@pytest.mark.parametrize("package", _packages(), ids=_rel)
def test_every_package_says_what_lives_there(package):
    if package.name in ("migrations", "versions"):
        return  # Alembic's scripts, loaded by path: not a package
    init = package / "__init__.py"
    assert init.exists(), f"{_rel(package)} has no __init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    words = doc.split()
    assert len(words) >= 6, f"{_rel(init)}: the docstring should say what the package holds"


def _registered(node: ast.FunctionDef | ast.ClassDef) -> bool:
    """A view or a command: reached through the blueprint or group its decorator names."""
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) for d in node.decorator_list
    )


def _exports(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    return None


def _defined(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.If):  # TYPE_CHECKING imports and the like
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    names.update((a.asname or a.name).split(".")[0] for a in inner.names)
    return names


@pytest.mark.parametrize(
    "path", [p for p in _sources() if p.name not in ("__init__.py", "__main__.py")], ids=_rel
)
def test_every_module_lists_its_public_functions_and_classes_in_all(path):
    tree = parsed(path)
    exports = _exports(tree)
    assert exports is not None, f"{_rel(path)} has no __all__"
    assert len(exports) == len(set(exports)), f"{_rel(path)}: __all__ repeats a name"
    assert set(exports) <= _defined(tree), f"{_rel(path)}: __all__ names what is not there"
    public = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
        and not _registered(node)
    }
    assert public - set(exports) == set(), f"{_rel(path)}: public but not in __all__"
