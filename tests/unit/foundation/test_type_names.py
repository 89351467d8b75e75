"""No module outside ``signals/`` and ``index/`` branches on a signal type's name: each
type owns its forms and traits (``SignalType``: value forms, ``has_regions``,
``takes_quality``, ``query_forms``, ``codes_searched``), so a new type is a change in
those two rooms only.

Read statically: a comparison (``==``, ``!=``, ``in``, ``not in``, ``is``) with a string
constant that names a registry type, or with a tuple, list or set holding one, is a
branch on a type's name — whatever the other side is called (``signal_type``, ``kind``,
``name``, ``record["signal_type"]``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from clearinghouse.signals.registry import default_registry

from .sources import python_files

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "clearinghouse"
TYPE_NAMES = frozenset(default_registry().names)
OWNERS = ("signals", "index")  # the rooms that may know a type by its name


def _names_in(node: ast.expr) -> list[str]:
    """The type names a comparison operand spells out as constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if node.value in TYPE_NAMES else []
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [name for element in node.elts for name in _names_in(element)]
    return []


def type_name_comparisons(source: str, filename: str = "<source>") -> list[str]:
    """``line: names`` of every comparison of ``source`` against a literal type name."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            names = [n for operand in (node.left, *node.comparators) for n in _names_in(operand)]
            if names:
                found.append(f"{filename}:{node.lineno}: compares with {', '.join(names)}")
    return found


def test_no_module_outside_signals_and_index_compares_a_type_name():
    found = []
    for path in python_files():
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in OWNERS:
            continue
        found += type_name_comparisons(path.read_text(), str(relative))
    assert found == []


# The check itself, on snippets made for the purpose.

FLAGGED = {
    "equality": 'if signal.signal_type == "vpdq":\n    pass\n',
    "inequality, constant first": 'ok = "tmk" != kind.name\n',
    "membership in a tuple": 'ok = kind.index_kind in ("vpdq", "tmk")\n',
    "a subscript": 'ok = record["signal_type"] == "pdq"\n',
    "a call": 'ok = record.get("signal_type") == "pdq"\n',
    "any name": 'ok = ours not in {"md5", "sha256"}\n',
    "inside a comprehension": 'ids = [s for s, t in rows if t == "pdq"]\n',
}
PASSED = {
    "a statement kind": 'ok = kind == "submission"\n',
    "a type's own trait": "ok = kind.has_regions and kind.takes_quality\n",
    "a type name as a key": 'value = names["pdq"]\n',
    "a type name passed on": 'kind = registry.get("pdq")\n',
    "an index kind of no type": 'ok = kind.index_kind == "hamming"\n',
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_the_check_flags_a_comparison_with_a_type_name(source):
    assert len(type_name_comparisons(source)) == 1


@pytest.mark.parametrize("source", PASSED.values(), ids=PASSED.keys())
def test_the_check_passes_what_is_no_such_comparison(source):
    assert type_name_comparisons(source) == []
