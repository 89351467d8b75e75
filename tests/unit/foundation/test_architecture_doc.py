"""docs/architecture.md names only what exists: every module, package and test path it
puts in backticks is there, and every function, class or method it names after a module
(``services/use_cases/matching.Matcher.ensure_fresh``) is defined in that module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "clearinghouse"
DOC = ROOT / "docs" / "architecture.md"
ROOMS = sorted(
    p.stem for p in PACKAGE.iterdir() if (p.is_dir() and (p / "__init__.py").exists())
) + sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
REFERENCE = re.compile(
    rf"^(?:clearinghouse/)?(?:{'|'.join(ROOMS)})(?:/{NAME})*(?:/|\.py|(?:\.{NAME})+)?$"
)


def _references() -> list[str]:
    text = re.sub(r"```.*?```", "", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    found = []
    for token in re.findall(r"`([^`\n]+)`", text):
        token = token.split("(")[0]
        if token.startswith(("tests/", "benchmarks/", "scripts/")) or REFERENCE.match(token):
            found.append(token)
    return sorted(set(found))


def _module_file(parts: list[str]) -> Path | None:
    path = PACKAGE.joinpath(*parts)
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _defines(body: list[ast.stmt], name: str) -> ast.stmt | None:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return node
        elif isinstance(node, ast.ImportFrom | ast.Import) and any(
            (a.asname or a.name) == name for a in node.names
        ):
            return node
    return None


def resolve(token: str) -> str | None:
    """None when ``token`` names something that exists, else what is missing."""
    if token.startswith(("tests/", "benchmarks/", "scripts/")):
        return None if (ROOT / token).exists() else token
    token = token.removeprefix("clearinghouse/")
    if token.endswith("/"):
        return None if (PACKAGE / token / "__init__.py").is_file() else token
    if token.endswith(".py"):
        return None if (PACKAGE / token).is_file() else token
    *dirs, last = token.split("/")
    names = last.split(".")
    # The longest leading run of names that is a module; the rest are attributes in it.
    for cut in range(len(names), 0, -1):
        module = _module_file([*dirs, *names[:cut]])
        if module is not None:
            break
    else:
        return token
    body: list[ast.stmt] = ast.parse(module.read_text(encoding="utf-8")).body
    for attribute in names[cut:]:
        node = _defines(body, attribute)
        if node is None:
            return f"{token} ({attribute} is not in {module.relative_to(ROOT)})"
        body = node.body if isinstance(node, ast.ClassDef) else []
    return None


def test_the_document_names_modules():
    assert len(_references()) > 40  # the pattern still finds the document's references


@pytest.mark.parametrize("token", _references())
def test_every_module_path_named_exists(token):
    assert resolve(token) is None


@pytest.mark.parametrize(
    "token",
    [
        "services/entries.py",  # renamed
        "services/use_cases/matching.NoSuchThing",
        "services/use_cases/matching.Matcher.no_such_method",
        "clearinghouse/store/signals.py",
        "tests/unit/no_such_test.py",
        "index/nowhere/",
    ],
)
def test_a_missing_name_is_caught(token):
    assert resolve(token) is not None
