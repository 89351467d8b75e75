from pathlib import Path

import pytest

from clearinghouse.config import Settings, load_settings, settings_fields
from clearinghouse.errors import ConfigError

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def test_defaults_need_nothing_running():
    s = load_settings(environ={})
    assert s.data_dir == Path("var")
    assert s.effective_database_url.startswith("sqlite:///")
    assert s.effective_database_url.endswith("var/clearinghouse.db")
    assert s.redis_url is None
    assert s.max_body_bytes == 16 * 1024 * 1024
    assert s.confirm_threshold == 2


def test_environment_overrides_file_which_overrides_defaults(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text(
        'max_statement_items = 50\nconfirm_threshold = 3\nextra_labels = ["entity:x"]\n'
    )
    s = load_settings(
        environ={"CLEARINGHOUSE_CONFIG": str(toml), "CLEARINGHOUSE_CONFIRM_THRESHOLD": "4"}
    )
    assert s.max_statement_items == 50
    assert s.confirm_threshold == 4
    assert s.extra_labels == ("entity:x",)


def test_settings_are_frozen():
    s = load_settings(environ={})
    with pytest.raises(AttributeError):
        s.confirm_threshold = 3  # type: ignore[misc]


def test_client_variables_share_the_prefix_but_are_not_settings():
    s = load_settings(environ={"CLEARINGHOUSE_URL": "http://x", "CLEARINGHOUSE_MEMBER": "m"})
    assert isinstance(s, Settings)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "CLEARINGHOUSE_MAX_BODY_BYTES",
            "lots",
            "CLEARINGHOUSE_MAX_BODY_BYTES must be an integer >= 1",
        ),
        (
            "CLEARINGHOUSE_MAX_BODY_BYTES",
            "0",
            "CLEARINGHOUSE_MAX_BODY_BYTES must be an integer >= 1",
        ),
        (
            "CLEARINGHOUSE_PDQ_MIN_QUALITY",
            "101",
            "CLEARINGHOUSE_PDQ_MIN_QUALITY must be an integer >= 0 <= 100",
        ),
        (
            "CLEARINGHOUSE_INDEX_POLL_INTERVAL",
            "-1",
            "CLEARINGHOUSE_INDEX_POLL_INTERVAL must be a positive number",
        ),
        ("CLEARINGHOUSE_MAX_DISTANCE_CEILINGS", "pdq", "type=integer"),
        ("CLEARINGHOUSE_NO_SUCH_THING", "1", "unknown setting 'no_such_thing'"),
    ],
)
def test_bad_values_name_the_key_and_the_form(key, value, expected):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={key: value})
    assert expected in str(info.value)


def test_unreadable_or_invalid_config_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(environ={"CLEARINGHOUSE_CONFIG": str(tmp_path / "missing.toml")})
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(environ={"CLEARINGHOUSE_CONFIG": str(bad)})


def test_every_setting_is_documented():
    text = DOCS.read_text()
    missing = [f.name for f in settings_fields() if f"CLEARINGHOUSE_{f.name.upper()}" not in text]
    assert missing == []
