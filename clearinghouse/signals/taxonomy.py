"""The label taxonomy (DESIGN §3.2): loading, extending, validating, and a digest for the log.

The default taxonomy ships as ``taxonomy.toml`` beside this module. Operators extend it
with extra labels from configuration; the server logs a taxonomy change when the digest
of the canonical form changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from clearinghouse.errors import ConfigError
from clearinghouse.signals.errors import SignalError

__all__ = ["LABEL_PATTERN", "Taxonomy", "default_taxonomy", "load_taxonomy"]

LABEL_PATTERN = re.compile(r"(?P<family>[a-z]+):(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)")
_MAX_LABEL_CHARS = 100


@dataclass(frozen=True)
class Taxonomy:
    """Known families (name → description) and labels (label → description)."""

    families: Mapping[str, str]
    labels: Mapping[str, str]

    def __contains__(self, label: object) -> bool:
        return label in self.labels

    def canonical(self) -> list[str]:
        """Every label, sorted: the stable form that is logged and digested."""
        return sorted(self.labels)

    def digest(self) -> str:
        """Lowercase hex SHA-256 of the canonical form as compact JSON."""
        data = json.dumps(self.canonical(), separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(data.encode("ascii")).hexdigest()

    def extended(self, extra_labels: Iterable[str]) -> Taxonomy:
        """A copy with ``extra_labels`` added; each must be well formed and of a known family."""
        labels = dict(self.labels)
        for label in extra_labels:
            family = _check_syntax(label, ConfigError, "extra_labels")
            if family not in self.families:
                raise ConfigError(
                    f"extra_labels: {label!r} has unknown family {family!r}; "
                    f"{self._families_text()}"
                )
            labels.setdefault(label, "")
        return Taxonomy(self.families, labels)

    def validate(self, labels: object, *, field: str = "labels") -> list[str]:
        """Return ``labels`` if each is known and listed once, else raise SignalError."""
        if not isinstance(labels, list | tuple):
            raise SignalError(field, "expected a list of labels")
        seen: set[str] = set()
        for i, label in enumerate(labels):
            where = f"{field}[{i}]"
            if not isinstance(label, str):
                raise SignalError(where, f"expected a label string; {self._families_text()}")
            if label not in self.labels:
                raise SignalError(where, self._unknown_reason(label))
            if label in seen:
                raise SignalError(where, f"duplicate label {label!r}")
            seen.add(label)
        return list(labels)

    def _unknown_reason(self, label: str) -> str:
        match = LABEL_PATTERN.fullmatch(label)
        if match is None or match["family"] not in self.families:
            return f"unknown label {label!r}; {self._families_text()}"
        family = match["family"]
        known = ", ".join(lab for lab in self.canonical() if lab.startswith(family + ":"))
        return f"unknown label {label!r}; known {family} labels: {known}; {self._families_text()}"

    def _families_text(self) -> str:
        return "valid families: " + ", ".join(f"{f}:<slug>" for f in sorted(self.families))


def load_taxonomy(path: str | Path | None = None, extra_labels: Iterable[str] = ()) -> Taxonomy:
    """Load a taxonomy TOML file (the shipped one by default) and add ``extra_labels``."""
    if path is None:
        text = resources.files("clearinghouse.signals").joinpath("taxonomy.toml").read_text("utf-8")
        where = "taxonomy.toml"
    else:
        text = Path(path).read_text("utf-8")
        where = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{where}: not valid TOML: {error}") from error
    families = {
        name: str(spec.get("description", "")) for name, spec in data.get("families", {}).items()
    }
    for name in families:
        if not re.fullmatch(r"[a-z]+", name):
            raise ConfigError(f"{where}: family {name!r} must be lowercase letters")
    labels: dict[str, str] = {}
    for label, description in data.get("labels", {}).items():
        family = _check_syntax(label, ConfigError, where)
        if family not in families:
            raise ConfigError(f"{where}: label {label!r} has unknown family {family!r}")
        labels[label] = str(description)
    return Taxonomy(families, labels).extended(extra_labels)


@functools.cache
def default_taxonomy() -> Taxonomy:
    """The shipped taxonomy with no extra labels."""
    return load_taxonomy()


def _check_syntax(label: object, error: type[Exception], where: str) -> str:
    """Return the label's family, or raise ``error`` if it is not ``family:slug``."""
    if (
        not isinstance(label, str)
        or len(label) > _MAX_LABEL_CHARS
        or not LABEL_PATTERN.fullmatch(label)
    ):
        raise error(
            f"{where}: {label!r} is not a label of the form family:slug "
            "(lowercase letters, digits and single hyphens)"
        )
    return label.split(":", 1)[0]
