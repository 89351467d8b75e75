"""The documentation is executed: every shell and Python block of README.md and docs/*.md
runs, in order per file, against a real server.

Each file gets the setting the README describes: a checkout directory (a temporary one,
with ``.venv`` linked to this project's virtualenv) where ``make run`` serves an
embedded SQLite database in ``./var`` on 127.0.0.1 — on a free port, written into the
blocks in place of 8080 — with the smallest page budget, over a log that other members'
entries already fill past its first page, so that a snippet that ignores ``next`` fails
here. Shell blocks run under ``set -e`` and share one shell session
per file (exports and ``cd`` carry over, as in a reader's terminal); Python blocks run in
that directory with that environment. A block marked
``<!-- docs-test: skip (reason) -->`` is not run.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # shared with scripts/walkthrough.py

from doc_blocks import blocks, documents
from doc_session import Reader


@pytest.mark.parametrize("document", documents(), ids=lambda p: p.name)
def test_every_block_of_the_document_runs(document: Path, tmp_path, database_url):
    runnable = [b for b in blocks(document) if b.skip is None]
    if not runnable:
        # Nothing to run is a fact about the file, checked rather than skipped.
        assert all(b.skip for b in blocks(document))
        return
    home = tmp_path / "checkout"
    home.mkdir()
    # The PostgreSQL pass runs the docs on its (freshly emptied) database; else ./var.
    reader = Reader(home, database_url if database_url.startswith("postgresql") else None)
    reader.start_server(seeded=True)
    try:
        for block in runnable:
            done = reader.run(block)
            assert done.returncode == 0, (
                f"{block.where} ({block.lang}) failed with {done.returncode}:\n"
                f"{textwrap.indent(reader.code_of(block), '  | ')}\n"
                f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
            )
    finally:
        reader.stop()


def test_skipped_blocks_say_why():
    for document in documents():
        for block in blocks(document):
            if block.skip is not None:
                assert len(block.skip.strip()) >= 3, block.where


def test_docs_refer_only_to_what_users_have():
    for document in documents():
        text = document.read_text(encoding="utf-8")
        for banned in ("DESIGN", "issue #", "pip install clearinghouse"):
            assert banned not in text, f"{document.name} mentions {banned!r}"
        for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if "://" in link or link.startswith("mailto:"):
                continue
            assert (document.parent / link).exists(), f"{document.name} links to {link}"
