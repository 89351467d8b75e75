"""Member commands fail in one actionable line, exit 1 (2 for a server URL that leads to
no clearinghouse), never a traceback; with --json the error is one JSON object on stdout."""

from __future__ import annotations

import json

import pytest

from clearinghouse.crypto import SigningKey

from .conftest import Member


@pytest.mark.parametrize(
    ("server", "says"),
    [
        ("127.0.0.1:8080", "did you mean http://127.0.0.1:8080?"),
        ("ftp://example.org", "is not an http(s) URL"),
        ("http://", "is not an http(s) URL"),
        ("http://127.0.0.1:port", "port that is not a number"),
        ("http://127.0.0.1:9", "cannot reach the server at http://127.0.0.1:9: nothing is"),
    ],
)
def test_bad_or_unreachable_servers(cli, server, says):
    result = cli("labels", server=server)
    assert result.exit_code == 2
    assert says in result.stderr
    assert result.stderr.count("error:") == 1 and result.stdout == ""


@pytest.fixture(scope="module")
def tls_port():
    """A TLS server with a certificate nobody trusts (werkzeug's ad-hoc one)."""
    import threading

    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, lambda env, start: [], ssl_context="adhoc")
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join()
    httpd.server_close()


def _one_line(result, *says):
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    for text in says:
        assert text in result.stderr, result.stderr


def test_https_to_a_plain_http_port_says_so(cli, server_url):
    url = server_url.replace("http://", "https://")
    _one_line(cli("whoami", server=url), url, "plain HTTP port? try http://")


def test_a_wrong_path_prefix_names_the_base_url(cli, server_url):
    _one_line(cli("labels", server=server_url + "/api"), "wrong path prefix", server_url)


def test_an_untrusted_certificate_says_so(cli, tls_port):
    url = f"https://127.0.0.1:{tls_port}"
    _one_line(cli("labels", server=url), url, "certificate is not trusted")


def test_plain_http_to_a_tls_port_says_so(cli, tls_port):
    url = f"http://127.0.0.1:{tls_port}"
    _one_line(cli("labels", server=url), url, "try https://")


def test_errors_as_json_on_stdout(cli):
    result = cli("signals", "get", "424242", "--json")
    assert result.exit_code == 1 and result.stderr == ""
    error = json.loads(result.stdout)["error"]
    assert error["status"] == 404 and "424242" in error["detail"]


def test_auth_failures_stay_opaque_with_a_local_hint(cli, tmp_path):
    stranger = SigningKey.generate()
    path = tmp_path / "stranger.key"
    path.write_bytes(stranger.to_pem())
    path.chmod(0o600)
    result = cli("labels", as_=Member("acme", stranger, path))
    assert result.exit_code == 1
    first, hint = result.stderr.splitlines()
    assert first.startswith("error: ")
    assert "clock" in hint and "revoked" in hint and "another member" in hint
    as_json = cli("labels", "--json", as_=Member("acme", stranger, path))
    assert json.loads(as_json.stdout)["error"]["status"] == 401


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["submit", "missing.jsonl", "--label", "x"], "does not exist"),
        (["retract", "--reason", "r"], "give one of FILE"),
        (["feedback", "--value", "ab", "--verdict", "agree", "--reason", "r"], "go together"),
    ],
)
def test_usage_mistakes_exit_2_in_one_message(cli, args, says):
    result = cli(*args)
    assert result.exit_code == 2 and says in result.output


def test_an_unreadable_key_is_one_line(cli, tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    bad.chmod(0o600)
    result = cli("labels", as_=Member("acme", SigningKey.generate(), bad))
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    missing = cli("labels", as_=Member("acme", SigningKey.generate(), tmp_path / "nope.key"))
    assert missing.exit_code == 1 and "cannot read the member key" in missing.stderr


def test_member_must_be_the_owner_of_the_key(cli, acme, globex, tmp_path):
    hashes = tmp_path / "h.txt"
    hashes.write_text("md5 " + "ab" * 16 + "\n")
    wrong = Member("globex", acme.key, acme.key_path)
    result = cli("submit", hashes, "--label", "behaviour:attacker-manifesto",
                 "--content-type", "image/png", as_=wrong)  # fmt: skip
    assert result.exit_code == 1
    # Refused before anything is sent, as every member command refuses it.
    assert f"key {acme.key.key_id} belongs to member 'acme'" in result.stderr
    assert not list(tmp_path.glob("h.txt.submitted-*"))
    for args in (
        ["signals", "feed"],
        ["signals", "mine"],
        ["export"],
        ["signals", "get", "1"],
        ["match", "--value", "ab" * 16, "--type", "md5"],
        ["audit", "verify"],
        ["whoami"],
        ["labels"],
    ):
        refused = cli(*args, as_=wrong)
        assert refused.exit_code == 1
        assert f"key {acme.key.key_id} belongs to member 'acme'" in refused.stderr


def test_help_says_what_talks_to_a_server_and_where_the_database_is(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from clearinghouse.cli.main import build_cli

    monkeypatch.chdir(tmp_path)
    env = {"CLEARINGHOUSE_DATA_DIR": None, "CLEARINGHOUSE_DATABASE_URL": None}
    result = CliRunner().invoke(build_cli(), ["--help"], env=env)
    assert result.exit_code == 0
    sections = result.output.split("\n\n")
    server = next(s for s in sections if s.startswith("Member commands (talk to a server"))
    local = next(s for s in sections if s.startswith("Operator commands"))
    assert all(f"  {name} " in server for name in ("submit", "match", "labels", "signals"))
    assert all(f"  {name} " in local for name in ("serve", "db", "members", "keys"))
    assert str(tmp_path / "var" / "clearinghouse.db") in local
    assert not (tmp_path / "var").exists()
