"""``clearinghouse demo``: a guided end-to-end tour on a throwaway database.

Two members share a hash, a third platform's upload pipeline finds a re-upload, one
member disputes it, another retracts, and an auditor checks the log — all over real
HTTP against a real server on a free local port, signed with freshly generated keys.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
from pathlib import Path

import click

from clearinghouse.config import load_settings


def _say(step: str, detail: str = "") -> None:
    click.secho(f"\n▶ {step}", bold=True)
    if detail:
        click.echo(f"  {detail}")


@click.command()
def demo() -> None:
    """Run a guided tour of the clearinghouse on a throwaway database."""
    from werkzeug.serving import make_server

    from clearinghouse.api import create_app
    from clearinghouse.bootstrap import bootstrap
    from clearinghouse.client import Client
    from clearinghouse.crypto import SigningKey
    from clearinghouse.services import members, schema

    with tempfile.TemporaryDirectory(prefix="clearinghouse-demo-") as tmp:
        settings = load_settings(environ={}, data_dir=Path(tmp))
        root = bootstrap(settings)
        schema.upgrade(root.settings, root.db)
        server = make_server("127.0.0.1", 0, create_app(root=root), threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            _tour(root.db, url, members, SigningKey, Client)
        finally:
            server.shutdown()
            root.close()


def _tour(db, url, members, SigningKey, Client) -> None:
    _say("An operator registers three members, each with its own Ed25519 key", f"server at {url}")
    keys = {m: SigningKey.generate() for m in ("acme", "globex", "initech")}
    for member, key in keys.items():
        members.add_member(db, member, member.title(), "submitter,matcher,auditor", key.verify_key)
        click.echo(f"  {member}: key_id {key.key_id}")
    clients = {m: Client(url, m, k) for m, k in keys.items()}

    value = secrets.token_hex(32)
    label = "behaviour:glorification-of-terrorist-acts"
    item = {
        "signal_type": "pdq",
        "value": value,
        "quality": 92,
        "content_type": "image/jpeg",
        "labels": [label],
    }
    _say("acme removes a propaganda image and submits its PDQ hash (a signed DSSE statement)")
    answer = clients["acme"].submit([item])
    click.echo(
        f"  statement {answer['statement_id']} is log entry {answer['log_index']}: "
        f"{answer['items'][0]['status']}"
    )
    _say("globex removed the same image: its submission corroborates acme's")
    answer = clients["globex"].submit([item])
    click.echo(f"  status: {answer['items'][0]['status']}")

    reupload = f"{int(value, 16) ^ 0b10110001:064x}"  # the re-upload differs by 4 bits
    _say("initech's upload pipeline checks a new upload's hash (4 bits away)")
    match = clients["initech"].match([{"signal_type": "pdq", "value": reupload}])[0]
    for m in match["matches"]:
        click.echo(
            f"  match: signal {m['signal_id']} at distance {m['distance']}, "
            f"confirmed={m['confirmed']}, disputed={m['disputed']}, labels={m['labels']}"
        )

    _say("initech disagrees (it is news footage); acme retracts its contribution")
    clients["initech"].feedback(
        [{"signal_type": "pdq", "value": value, "verdict": "disagree", "reason": "news reporting"}]
    )
    clients["acme"].retract([{"signal_type": "pdq", "value": value, "reason": "re-reviewed"}])
    state = clients["globex"].signal(match["matches"][0]["signal_id"])
    click.echo(f"  now: contributors={state['contributors']}, disputed={state['disputed']}")

    _say("An auditor reads the signed checkpoint and the log")
    checkpoint = clients["initech"].log_checkpoint()
    click.echo("  " + checkpoint.replace("\n", "\n  ").rstrip())
    size = int(checkpoint.splitlines()[1])
    for index, data in clients["initech"].log_entries(0, size):
        click.echo(f"  {index}: {data[:90].decode()}…")
    click.echo("\nRun `clearinghouse audit verify` against a server to check it all independently.")
