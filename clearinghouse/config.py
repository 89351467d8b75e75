"""Settings: one frozen, typed object built at start-up.

Sources, later ones winning: the defaults below, an optional TOML file named by
``CLEARINGHOUSE_CONFIG`` (keys without the prefix, lowercase), then ``CLEARINGHOUSE_*``
environment variables. Every key is documented in ``docs/configuration.md``; a test keeps
the two in step. A bad value raises ``ConfigError`` naming the key and the expected form.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from clearinghouse.errors import ConfigError
from clearinghouse.wire import (
    MATCH_QUERIES_LIMIT,
    STATEMENT_ITEMS_LIMIT,
    VPDQ_FRAMES_LIMIT,
    VPDQ_QUERY_FRAMES_LIMIT,
)

__all__ = ["ENV_PREFIX", "Settings", "ensure_data_dir", "load_settings", "settings_fields"]

ENV_PREFIX = "CLEARINGHOUSE_"


def _int(lo: int | None = None, hi: int | None = None) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError
        value = int(raw)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError
        return value

    parse.form = (  # type: ignore[attr-defined]
        f"an integer{f' >= {lo}' if lo is not None else ''}{f' <= {hi}' if hi is not None else ''}"
    )
    return parse


def _float_pos(raw: Any) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError
    return value


_float_pos.form = "a positive number"  # type: ignore[attr-defined]


def _str(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError
    return raw.strip()


_str.form = "a non-empty string"  # type: ignore[attr-defined]


def _opt_str(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return _str(raw)


_opt_str.form = "a string (empty for none)"  # type: ignore[attr-defined]


def _path(raw: Any) -> Path:
    return Path(_str(raw)).expanduser()


_path.form = "a file-system path"  # type: ignore[attr-defined]


def _opt_path(raw: Any) -> Path | None:
    text = _opt_str(raw)
    return Path(text).expanduser() if text else None


_opt_path.form = "a file-system path (empty for the default)"  # type: ignore[attr-defined]


def _str_list(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return tuple(s.strip() for s in items if str(s).strip())


_str_list.form = "a comma-separated list"  # type: ignore[attr-defined]


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError


_bool.form = "true or false"  # type: ignore[attr-defined]


def _networks(raw: Any) -> tuple[str, ...]:
    """Comma-separated CIDRs, each checked and written in its normal form."""
    return tuple(str(ipaddress.ip_network(text, strict=False)) for text in _str_list(raw))


_networks.form = "a comma-separated list of CIDR networks"  # type: ignore[attr-defined]


def _int_map(raw: Any) -> tuple[tuple[str, int], ...]:
    """``pdq=40,phash=12`` (or a TOML table) → sorted pairs of non-negative ints."""
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    else:
        pairs = []
        for part in str(raw).split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            if not sep:
                raise ValueError
            pairs.append((name.strip(), value.strip()))
    out = {}
    for name, value in pairs:
        number = _int(0)(value)
        if not name:
            raise ValueError
        out[str(name)] = number
    return tuple(sorted(out.items()))


_int_map.form = "a comma-separated list of type=integer"  # type: ignore[attr-defined]


def _field(default: Any, parse: Callable[[Any], Any], doc: str) -> Any:
    return dataclasses.field(default=default, metadata={"parse": parse, "doc": doc})


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting of the service; see docs/configuration.md."""

    data_dir: Path = _field(Path("var"), _path, "embedded database, log key, index snapshots")
    database_url: str | None = _field(None, _opt_str, "SQLAlchemy URL; default SQLite in data_dir")
    redis_url: str | None = _field(None, _opt_str, "Redis URL for the shared replay cache")
    rate_limit_window: int = _field(60, _int(1, 86_400), "rate-limit window, seconds")
    rate_limit_lookups: int = _field(
        6_000, _int(1), "lookup and feed requests per member and window"
    )
    rate_limit_statements: int = _field(
        600, _int(1), "statement and key requests per member and window"
    )
    rate_limit_log: int = _field(
        1_200, _int(1), "log entry and proof requests per member and window"
    )
    replay_cache_slots: int = _field(
        1 << 20, _int(1024), "slots of the embedded replay cache file (24 bytes each)"
    )
    max_body_bytes: int = _field(16 * 1024 * 1024, _int(1), "largest request body accepted")
    header_timeout: int = _field(
        10, _int(1, 60), "seconds a client has to send its request line and headers"
    )
    body_timeout: int = _field(30, _int(1, 3600), "seconds a client has to send its request body")
    max_statement_items: int = _field(STATEMENT_ITEMS_LIMIT, _int(1), "most items in one statement")
    max_match_queries: int = _field(
        MATCH_QUERIES_LIMIT, _int(1), "most queries in one match request"
    )
    max_matches_per_query: int = _field(100, _int(1), "most matches answered per query")
    max_match_body_bytes: int = _field(
        4 * 1024 * 1024, _int(1024), "largest POST /v1/match body accepted"
    )
    match_max_codes: int = _field(
        8_000, _int(1), "most codes one lookup request searches (vPDQ: one per frame)"
    )
    vpdq_max_candidates_per_frame: int = _field(
        64, _int(1), "most indexed frames one vPDQ query frame may find"
    )
    max_list_bytes: int = _field(
        4 * 1024 * 1024, _int(4096), "byte ceiling of a list answer (log entries, feed)"
    )
    confirm_threshold: int = _field(2, _int(1), "distinct members that confirm a signal")
    hold_window_seconds: int = _field(
        3600, _int(10, 86_400), "length of the windows a signal's matches are counted in, s"
    )
    hold_multiple: float = _field(
        20.0, _float_pos, "times its type's baseline a signal's matches in a window hold it"
    )
    hold_min_matches: int = _field(
        500, _int(0, 10**9), "matches in one window below which no signal is held (0: never)"
    )
    signature_max_skew: int = _field(300, _int(1, 3600), "allowed clock skew of created, seconds")
    statement_max_skew: int = _field(
        300, _int(0, 86_400), "how far a statement's created may be ahead of the clock, s"
    )
    statement_max_age: int = _field(
        86_400, _int(1), "how far a statement's created may be behind the clock, s"
    )
    pdq_min_quality: int = _field(50, _int(0, 100), "lowest PDQ quality accepted")
    vpdq_max_frames: int = _field(VPDQ_FRAMES_LIMIT, _int(1), "most frames in one vPDQ value")
    vpdq_max_query_frames: int = _field(
        VPDQ_QUERY_FRAMES_LIMIT, _int(1), "most frames in one vPDQ lookup"
    )
    vpdq_query_match_pct: float = _field(80.0, _float_pos, "share of query frames that must match")
    vpdq_index_match_pct: float = _field(0.0, float, "share of indexed frames that must match")
    tmk_level1_threshold: float = _field(0.7, float, "TMK level-1 (cosine) score a match needs")
    tmk_level2_threshold: float = _field(0.7, float, "TMK level-2 score a match needs")
    tmk_min_threshold: float = _field(0.5, float, "lowest TMK threshold a lookup may ask for")
    max_distance_ceilings: tuple[tuple[str, int], ...] = _field(
        (), _int_map, "per-type ceiling overrides"
    )
    extra_labels: tuple[str, ...] = _field((), _str_list, "labels added to the shipped taxonomy")
    log_origin: str = _field("clearinghouse.localhost/log", _str, "checkpoint origin line")
    log_key_path: Path | None = _field(None, _opt_path, "log signing key file")
    index_poll_interval: float = _field(0.25, _float_pos, "seconds between change-feed polls")
    index_snapshot_dir: Path | None = _field(
        None, _opt_path, "index snapshots; default data_dir/index"
    )
    metrics_token: str | None = _field(
        None, _opt_str, "bearer token that may scrape /metrics; none: not served there"
    )
    metrics_listen: str | None = _field(
        None, _opt_str, "host:port of a separate /metrics listener started by serve"
    )
    webhook_delivery: bool = _field(
        True, _bool, "serve delivers webhooks itself (false: run `clearinghouse deliver`)"
    )
    webhook_allow_http_hosts: tuple[str, ...] = _field(
        (), _str_list, "hosts whose webhook endpoints may be plain http"
    )
    webhook_allow_networks: tuple[str, ...] = _field(
        (), _networks, "CIDRs of private or loopback addresses webhooks may reach"
    )
    webhook_connect_timeout: float = _field(3.0, _float_pos, "seconds to connect to an endpoint")
    webhook_timeout: float = _field(10.0, _float_pos, "seconds for a whole webhook delivery")
    webhook_max_response_bytes: int = _field(
        64 * 1024, _int(1), "most bytes of an endpoint's answer read"
    )
    webhook_retry_base: float = _field(1.0, _float_pos, "seconds before the first retry; doubles")
    webhook_retry_max_delay: float = _field(3600.0, _float_pos, "longest wait between retries")
    webhook_retry_for: float = _field(
        86_400.0, _float_pos, "seconds of failures before a subscription is paused"
    )
    webhook_lease: float = _field(
        30.0, _float_pos, "seconds a process holds a subscription while delivering"
    )
    webhook_batch_max: int = _field(
        500, _int(1, STATEMENT_ITEMS_LIMIT), "most changes in one webhook delivery"
    )
    webhook_poll_interval: float = _field(
        0.25, _float_pos, "seconds between the deliverer's looks at the queue"
    )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'clearinghouse.db').resolve()}"

    @property
    def effective_log_key_path(self) -> Path:
        return self.log_key_path or self.data_dir / "log.key"

    @property
    def effective_snapshot_dir(self) -> Path:
        return self.index_snapshot_dir or self.data_dir / "index"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (tests and the CLI use this)."""
        return dataclasses.replace(self, **changes)


def settings_fields() -> list[dataclasses.Field]:
    """The documented settings, in declaration order."""
    return list(dataclasses.fields(Settings))


def _parse(name: str, raw: Any, source: str) -> Any:
    spec = next((f for f in dataclasses.fields(Settings) if f.name == name), None)
    if spec is None:
        raise ConfigError(f"{source}: unknown setting {name!r}")
    parse = spec.metadata["parse"]
    try:
        return parse(raw)
    except (ValueError, TypeError):
        form = getattr(parse, "form", "a valid value")
        raise ConfigError(
            f"{source}: {ENV_PREFIX}{name.upper()} must be {form}, got {raw!r}"
        ) from None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults → TOML file (CLEARINGHOUSE_CONFIG) → environment → explicit overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = environ.get(f"{ENV_PREFIX}CONFIG")
    if config_file:
        try:
            with open(config_file, "rb") as fh:
                table = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(
                f"{ENV_PREFIX}CONFIG: cannot read {config_file}: {exc.strerror}"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"{ENV_PREFIX}CONFIG: {config_file} is not valid TOML: {exc}"
            ) from None
        for key, raw in table.items():
            values[key.lower()] = _parse(key.lower(), raw, config_file)
    for key, raw in environ.items():
        if key.startswith(ENV_PREFIX) and key != f"{ENV_PREFIX}CONFIG":
            name = key[len(ENV_PREFIX) :].lower()
            if name in _CLIENT_KEYS:
                continue
            values[name] = _parse(name, raw, "environment")
    values.update(overrides)
    return Settings(**values)


# Member-side variables (DESIGN §7) share the prefix but are not server settings.
_CLIENT_KEYS = frozenset({"url", "member", "key", "client_deadline", "client_max_answer_bytes"})


def ensure_data_dir(path: Path) -> None:
    """Create the data directory, or stop with a clear message when that is impossible."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        # It holds the log key and the database: nobody else may list or read it.
        if path.stat().st_uid == os.geteuid() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o700)
    except OSError as exc:
        raise ConfigError(f"CLEARINGHOUSE_DATA_DIR: cannot create {path}: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"CLEARINGHOUSE_DATA_DIR: {path} is not writable")
