"""The server's log key: created once (mode 0600), pinned in the database, never replaced
silently."""

import os
import stat

import pytest

from clearinghouse.bootstrap import bootstrap
from clearinghouse.crypto import SigningKey
from clearinghouse.errors import ConfigError


def test_created_once_with_mode_0600_and_reused(settings, log_key):
    key = log_key.signing_key()
    path = settings.effective_log_key_path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = bootstrap(settings)
    try:
        assert again.log_key.signing_key().key_id == key.key_id
    finally:
        again.close()


@pytest.mark.parametrize(
    ("how", "message"),
    [("replaced", "is not the key this log was signed with"), ("deleted", "is missing")],
)
def test_a_different_or_missing_key_file_stops_the_service(settings, log_key, how, message):
    log_key.signing_key()
    path = settings.effective_log_key_path
    if how == "replaced":
        path.write_bytes(SigningKey.generate().to_pem())
    else:
        path.unlink()
    fresh = bootstrap(settings)
    try:
        with pytest.raises(ConfigError, match=message):
            fresh.log_key.signing_key()
    finally:
        fresh.close()
    assert path.exists() == (how == "replaced")  # nothing new written in its place
