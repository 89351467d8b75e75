"""docs/api.md lists every route the app serves, and nothing it does not."""

from __future__ import annotations

import re
from pathlib import Path

API_DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
_ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)")


def _normal(path: str) -> str:
    """``/v1/signals/<int:signal_id>`` and ``/v1/signals/<id>`` both as ``/v1/signals/{}``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_every_route_is_documented(app):
    served = {
        (method, _normal(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(m, _normal(p)) for m, p in _ROUTE.findall(API_DOC.read_text("utf-8"))}
    assert served - documented == set(), "served but not in docs/api.md"
    assert documented - served == set(), "in docs/api.md but not served"
