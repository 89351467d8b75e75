"""The package's sources, read and parsed once per test session: every source-scanning test
(wire facts, layers, the import graph, type names, sizes) walks the same trees."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "clearinghouse"


@functools.cache
def python_files(root: Path = PACKAGE) -> tuple[Path, ...]:
    """Every ``.py`` file under ``root``, sorted."""
    return tuple(sorted(root.rglob("*.py")))


@functools.cache
def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@functools.cache
def parsed(path: Path) -> ast.Module:
    """The module's tree; callers only read it."""
    return ast.parse(text(path), str(path))


@functools.cache
def walked(path: Path) -> tuple[ast.AST, ...]:
    """Every node of the module's tree, in ``ast.walk`` order."""
    return tuple(ast.walk(parsed(path)))
