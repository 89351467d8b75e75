"""No import cycle anywhere in the package, and every import follows the layer order
(DESIGN §10): pure ``signals``/``crypto``/``tlog`` ← ``index``, ``store`` ← ``services`` ←
``bootstrap`` ← ``api``, ``cli``; ``client`` and ``exchange`` only on pure packages.
Inside ``services``, ``adapters`` ← ``read_models`` ← ``use_cases``. Both hold for the
imports made for type hints alone (under ``TYPE_CHECKING``) as well: a service that
names ``bootstrap.Root`` in a signature depends on the composition root all the same."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.unit.foundation.import_graph import cycles, import_graph

ROOT = Path(__file__).resolve().parents[3]

# Rooms and their layer: a room may import rooms of a lower layer, and itself.
LAYER = {
    "__init__": 0,
    "errors": 0,
    "wire": 0,
    "config": 1,
    "ijson": 1,  # the strict JSON reader: errors only
    "signals": 2,
    "crypto": 2,
    "tlog": 3,  # signs checkpoints with crypto's keys
    "domain": 3,  # the pure rules; store reads and writes its records
    "index": 4,
    "store": 4,
    "services": 5,
    "bootstrap": 6,
    "api": 7,
    "site": 7,
    "cli": 8,
}
# The rooms of services/ and their order: a use case may use a read model or an adapter,
# a read model an adapter; an adapter neither.
SERVICE_LAYER = {"adapters": 0, "read_models": 1, "use_cases": 2}
# The member and auditor side installs without the server: it may use only these.
CLIENT_SIDE = {
    "client": {"errors", "wire", "ijson", "config", "signals", "crypto", "tlog"},
    "exchange": {"errors", "wire", "ijson", "config", "signals", "crypto", "tlog", "client"},
}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def service_room(module: str) -> str | None:
    """``clearinghouse.services.use_cases.x`` → ``use_cases``; the package itself → None."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else None


def _service_order(module: str, target: str) -> bool:
    """Whether one module of services may import another (a room it comes after)."""
    inner, outer = service_room(module), service_room(target)
    if inner not in SERVICE_LAYER or outer not in SERVICE_LAYER:
        return True  # a module outside the rooms is reported on its own
    return SERVICE_LAYER[outer] <= SERVICE_LAYER[inner]


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        here = room(module)
        if (
            here == "services"
            and module != "clearinghouse.services"
            and service_room(module) not in SERVICE_LAYER
        ):
            wrong.append(f"{module} is in no room of services ({', '.join(SERVICE_LAYER)})")
        for target in sorted(targets):
            there = room(target)
            if there == here == "services":
                if not _service_order(module, target):
                    inner, outer = service_room(module), service_room(target)
                    wrong.append(f"{module} imports {target} ({inner} may not use {outer})")
                continue
            if there == here:
                continue
            if here in CLIENT_SIDE:
                ok = there in CLIENT_SIDE[here]
            elif there in CLIENT_SIDE:
                ok = here == "cli" or (here == "exchange" and there == "client")
            else:
                ok = LAYER[there] < LAYER[here]
            if not ok:
                wrong.append(f"{module} imports {target} ({here} may not use {there})")
    return wrong


@pytest.fixture(scope="module")
def graph():
    return import_graph(ROOT, "clearinghouse")


@pytest.fixture(scope="module")
def typed_graph():
    """The graph with the imports under ``TYPE_CHECKING`` counted too."""
    return import_graph(ROOT, "clearinghouse", type_checking=True)


def test_every_room_has_a_place_in_the_layers(graph):
    rooms = {room(m) for m in graph}
    assert rooms - LAYER.keys() - CLIENT_SIDE.keys() == set()


def test_no_import_cycle(graph):
    assert cycles(graph) == []


def test_imports_follow_the_layer_order(graph):
    assert layer_violations(graph) == []


def test_no_import_cycle_even_through_type_hints(typed_graph):
    assert cycles(typed_graph) == []


def test_type_hint_imports_follow_the_layer_order(typed_graph):
    assert layer_violations(typed_graph) == []


# The checks themselves, on small source trees built for the purpose.


def _tree(
    tmp_path: Path, files: dict[str, str], *, type_checking: bool = False
) -> dict[str, set[str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return import_graph(tmp_path, "clearinghouse", type_checking=type_checking)


CASES = {
    "module-level cycle": (
        {"a.py": "from clearinghouse import b\n", "b.py": "import clearinghouse.a\n"},
        [["clearinghouse.a", "clearinghouse.b"]],
    ),
    "function-level cycle": (
        {"a.py": "def f():\n    from clearinghouse.b import g\n", "b.py": "from . import a\n"},
        [["clearinghouse.a", "clearinghouse.b"]],
    ),
    "three-module cycle through a package": (
        {
            "p/__init__.py": "",
            "p/x.py": "from clearinghouse.p.y import Y\n",
            "p/y.py": "from .z import Z\n",
            "p/z.py": "from ..p import x\n",
        },
        [["clearinghouse.p.x", "clearinghouse.p.y", "clearinghouse.p.z"]],
    ),
    "TYPE_CHECKING import is not a cycle": (
        {
            "a.py": "from clearinghouse import b\n",
            "b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import clearinghouse.a\n"
            ),
        },
        [],
    ),
    "else branch of TYPE_CHECKING runs": (
        {
            "a.py": "from clearinghouse import b\n",
            "b.py": (
                "import typing\n"
                "if typing.TYPE_CHECKING:\n    pass\nelse:\n    import clearinghouse.a\n"
            ),
        },
        [["clearinghouse.a", "clearinghouse.b"]],
    ),
}


@pytest.mark.parametrize("files, expected", CASES.values(), ids=CASES.keys())
def test_cycle_finder(tmp_path, files, expected):
    files = {"clearinghouse/__init__.py": "", **{f"clearinghouse/{k}": v for k, v in files.items()}}
    assert cycles(_tree(tmp_path, files)) == expected


TYPED_CASES = {
    "TYPE_CHECKING import closes a cycle of type hints": (
        CASES["TYPE_CHECKING import is not a cycle"][0],
        [["clearinghouse.a", "clearinghouse.b"]],
    ),
    "typing.TYPE_CHECKING as well": (
        {
            "a.py": "from clearinghouse import b\n",
            "b.py": "import typing\nif typing.TYPE_CHECKING:\n    from . import a\n",
        },
        [["clearinghouse.a", "clearinghouse.b"]],
    ),
    "no cycle without the hint": (
        {"a.py": "from clearinghouse import b\n", "b.py": "import typing\n"},
        [],
    ),
}


@pytest.mark.parametrize("files, expected", TYPED_CASES.values(), ids=TYPED_CASES.keys())
def test_cycle_finder_counting_type_hints(tmp_path, files, expected):
    files = {"clearinghouse/__init__.py": "", **{f"clearinghouse/{k}": v for k, v in files.items()}}
    assert cycles(_tree(tmp_path, files, type_checking=True)) == expected


LAYER_CASES = {
    "services may use store": ("services/use_cases/x.py", "from clearinghouse.store import y\n", 0),
    "store may not use services": ("store/x.py", "from clearinghouse.services import y\n", 1),
    "index may not use store": ("index/x.py", "import clearinghouse.store.y\n", 1),
    "services may not use bootstrap": (
        "services/adapters/x.py",
        "import clearinghouse.bootstrap\n",
        1,
    ),
    "a service module belongs to a room": ("services/x.py", "", 1),
    "use case may use read model": (
        "services/use_cases/x.py",
        "from clearinghouse.services.read_models import y\n",
        0,
    ),
    "read model may use adapter": (
        "services/read_models/x.py",
        "from clearinghouse.services.adapters.y import Y\n",
        0,
    ),
    "read model may not use use case": (
        "services/read_models/x.py",
        "from clearinghouse.services.use_cases import y\n",
        1,
    ),
    "adapter may not use read model": (
        "services/adapters/x.py",
        "def f():\n    import clearinghouse.services.read_models.y\n",
        1,
    ),
    "api may use bootstrap": ("api/x.py", "from clearinghouse.bootstrap import Root\n", 0),
    "api may not use cli": ("api/x.py", "def f():\n    from clearinghouse.cli import y\n", 1),
    "client may not use store": ("client/x.py", "from clearinghouse.store import y\n", 1),
    "client may use crypto": ("client/x.py", "from clearinghouse.crypto import y\n", 0),
    "services may not use client": (
        "services/use_cases/x.py",
        "from clearinghouse.client import y\n",
        1,
    ),
    "pure may not use index": ("tlog/x.py", "from clearinghouse.index import y\n", 1),
}


TYPE_HINT = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    {}\n"
TYPED_LAYER_CASES = {
    "services may not use bootstrap even for type hints": (
        "services/use_cases/x.py",
        TYPE_HINT.format("from clearinghouse.bootstrap import Root"),
        1,
    ),
    "nor through typing.TYPE_CHECKING": (
        "services/read_models/x.py",
        "import typing\nif typing.TYPE_CHECKING:\n    import clearinghouse.bootstrap\n",
        1,
    ),
    "services may name store types in hints": (
        "services/use_cases/x.py",
        TYPE_HINT.format("from clearinghouse.store.y import Database"),
        0,
    ),
    "api may name the root in hints": (
        "api/x.py",
        TYPE_HINT.format("from clearinghouse.bootstrap import Root"),
        0,
    ),
}


@pytest.mark.parametrize(
    "path, text, count", TYPED_LAYER_CASES.values(), ids=TYPED_LAYER_CASES.keys()
)
def test_layer_checker_counting_type_hints(tmp_path, path, text, count):
    files = _layer_tree(path, text)
    assert len(layer_violations(_tree(tmp_path, files, type_checking=True))) == count
    # Without the hints counted the same tree is clean: the typed graph is what catches it.
    assert layer_violations(_tree(tmp_path, files)) == []


def _layer_tree(path: str, text: str) -> dict[str, str]:
    files = {"clearinghouse/__init__.py": "", f"clearinghouse/{path}": text}
    packages = ("store", "services", "index", "client", "crypto", "api", "cli", "tlog")
    services = tuple(f"services/{r}" for r in SERVICE_LAYER)
    for pkg in packages + services:
        files.setdefault(f"clearinghouse/{pkg}/__init__.py", "")
        files.setdefault(f"clearinghouse/{pkg}/y.py", "")
    files.pop("clearinghouse/services/y.py")
    files.setdefault("clearinghouse/bootstrap.py", "")
    return files


@pytest.mark.parametrize("path, text, count", LAYER_CASES.values(), ids=LAYER_CASES.keys())
def test_layer_checker(tmp_path, path, text, count):
    assert len(layer_violations(_tree(tmp_path, _layer_tree(path, text)))) == count


if __name__ == "__main__":  # print the graph's problems without pytest
    for hints in (False, True):
        g = import_graph(ROOT, "clearinghouse", type_checking=hints)
        print(cycles(g), *layer_violations(g), sep="\n", file=sys.stderr)
