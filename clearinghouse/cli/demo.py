"""``clearinghouse demo``: the walkthrough, run for you on a throwaway database.

Each step is a real CLI command, printed as you would type it (``$ clearinghouse …``)
followed by its output, run against a real server on a free local port over HTTP, with
keys generated on the spot and sample media drawn locally (``--media DIR`` writes only
the media, for following the README by hand). The output is plain text: no colours, no
request logs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import click

__all__ = ["Tour", "demo"]

LABEL = "behaviour:glorification-of-terrorist-acts"
_MEMBERS = {"acme": "submitter,matcher,auditor", "globex": "submitter,matcher",
            "initech": "matcher"}  # fmt: skip


@click.command()
@click.option(
    "--media",
    "media_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Only write the sample media (removed/ and uploads/) into this directory.",
)
def demo(media_dir: Path | None) -> None:
    """Run the walkthrough on a throwaway database, showing each command and its output."""
    from clearinghouse.cli.demo_media import write_sample_media

    if media_dir is not None:
        written = write_sample_media(media_dir)
        for group, paths in written.items():
            click.echo(f"{group}: {', '.join(p.name for p in paths)}")
        return
    with tempfile.TemporaryDirectory(prefix="clearinghouse-demo-") as tmp, _inside(tmp):
        Tour(Path(tmp)).run()


@contextlib.contextmanager
def _inside(directory: str) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


class Tour:
    """The steps of the walkthrough, each a command shown and run."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {
            "CLEARINGHOUSE_DATA_DIR": str(home / "data"),
            "CLEARINGHOUSE_DATABASE_URL": None,
            "CLEARINGHOUSE_URL": None,
            "CLEARINGHOUSE_MEMBER": None,
            "CLEARINGHOUSE_KEY": None,
        }

    def say(self, text: str) -> None:
        click.echo(f"\n# {text}")

    def run_cli(self, line: str, *, member: str | None = None, stdout_to: str | None = None) -> str:
        """Show ``line`` as typed, run it, print its output; return its stdout."""
        from click.testing import CliRunner

        from clearinghouse.cli.main import build_cli

        env = dict(self.env)
        shown = line
        if member is not None:
            env.update(CLEARINGHOUSE_MEMBER=member, CLEARINGHOUSE_KEY=f"keys/{member}.key")
            shown = f"CLEARINGHOUSE_MEMBER={member} CLEARINGHOUSE_KEY=keys/{member}.key {line}"
        click.echo(f"$ {shown}" + (f" > {stdout_to}" if stdout_to else ""))
        args = shlex.split(line)[1:]
        result = CliRunner().invoke(build_cli(), args, env=env, prog_name="clearinghouse")
        if stdout_to:
            Path(stdout_to).write_text(result.stdout)
        for row in (result.stderr if stdout_to else result.output).splitlines():
            click.echo(f"  {row}")
        if result.exit_code != 0:
            raise click.ClickException(f"the demo step failed: {line}")
        return result.stdout

    def run(self) -> None:
        from werkzeug.serving import make_server

        from clearinghouse.api import create_app
        from clearinghouse.bootstrap import bootstrap
        from clearinghouse.config import load_settings

        self.say(
            f"Operator: create the database (SQLite in {self.home / 'data'}, a throwaway "
            "directory removed at the end) and start the server"
        )
        self.run_cli("clearinghouse db upgrade")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request logs in the tour
        root = bootstrap(load_settings(environ={}, data_dir=self.home / "data"))
        server = make_server("127.0.0.1", 0, create_app(root=root), threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        click.echo(f"$ clearinghouse serve --port {server.server_port}   (here: in-process)")
        self.env["CLEARINGHOUSE_URL"] = url
        try:
            self.steps(url)
        finally:
            server.shutdown()
            thread.join()
            root.close()

    def steps(self, url: str) -> None:
        self.say("Each member generates its key on its own machine; the operator registers it")
        for member, roles in _MEMBERS.items():
            self.run_cli(f"clearinghouse keygen {member}")
            self.run_cli(
                f"clearinghouse members add {member} --name {member.title()} "
                f"--roles {roles} --public-key keys/{member}.pub"
            )
        self.say(f"Members talk to the server: export CLEARINGHOUSE_URL={url}")
        self.say("Sample media, drawn locally: removed/ originals, uploads/ edited copies")
        self.run_cli("clearinghouse demo --media media")

        self.say("acme hashes what it removed (nothing leaves the machine) and submits it")
        self.run_cli("clearinghouse hash media/removed --types pdq", stdout_to="removed.jsonl")
        self.run_cli("clearinghouse labels", member="acme")
        self.run_cli(f"clearinghouse submit removed.jsonl --label {LABEL}", member="acme")

        self.say("globex removed the same images: its submission corroborates acme's")
        self.run_cli(f"clearinghouse submit removed.jsonl --label {LABEL}", member="globex")

        self.say("initech's upload pipeline looks up new uploads (hashed locally)")
        self.run_cli("clearinghouse match media/uploads --types pdq", member="initech")
        self.run_cli(
            "clearinghouse match media/uploads/reupload-2-brighter.jpg --types pdq --json",
            member="initech",
            stdout_to="found.jsonl",
        )
        self.say("initech disagrees with one match (news footage, it says)")
        self.run_cli(
            'clearinghouse feedback found.jsonl --verdict disagree --reason "news footage"',
            member="initech",
        )
        signal_id = _first_signal(Path("found.jsonl"))
        self.say("acme withdraws its contribution to that signal; globex still vouches for it")
        self.run_cli(
            f'clearinghouse retract --signal-id {signal_id} --reason "re-reviewed"', member="acme"
        )
        self.run_cli(f"clearinghouse signals get {signal_id}", member="globex")

        self.say("An auditor (acme holds the role) verifies the whole log independently")
        self.run_cli("clearinghouse audit verify --state audit-state.json", member="acme")
        click.echo("\nThe same story by hand: README.md, section Walkthrough.")


def _first_signal(path: Path) -> int:
    import json

    for line in path.read_text().splitlines():
        matches = json.loads(line).get("matches") or []
        if matches:
            return int(matches[0]["signal_id"])
    raise click.ClickException("the demo's upload did not match")
