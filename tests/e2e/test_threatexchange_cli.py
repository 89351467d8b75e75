"""The real ``threatexchange`` CLI, with this package as its extension, against a real
``clearinghouse serve``: configure, fetch, match an edited copy, label, refetch after a
retraction, refetch with nothing new, and refuse a log rewritten behind its back.

Each test has its own HOME and threatexchange state directory.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from clearinghouse.client import Client
from clearinghouse.crypto import SigningKey
from clearinghouse.services import members
from clearinghouse.signals.hashing.files import HashOptions, hash_file
from clearinghouse.store.log import log_size, read_entries

TX = Path(sys.executable).with_name("threatexchange")
GLORIFY = "behaviour:glorification-of-terrorist-acts"


def _image(path: Path, seed: int) -> Path:
    noise = np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    img = Image.fromarray(noise).resize((640, 480), Image.BICUBIC)
    img.filter(ImageFilter.GaussianBlur(3)).save(path)
    return path


def _edited(original: Path, path: Path) -> Path:
    """Smaller, brighter, JPEG-recompressed: a near copy that is not byte-identical."""
    with Image.open(original) as img:
        smaller = img.resize((500, 375))
        ImageEnhance.Brightness(smaller).enhance(1.1).save(path, quality=80)
    return path


def _pdq_item(path: Path) -> dict:
    """The submission item of an image's PDQ hash, as `clearinghouse hash` computes it."""
    (record,) = hash_file(path, HashOptions(types=frozenset({"pdq"})))
    return {
        "signal_type": "pdq",
        "value": record["value"],
        "quality": record["quality"],
        "content_type": record["content_type"],
        "labels": [GLORIFY],
    }


def _pdq(path: Path) -> str:
    return _pdq_item(path)["value"]


class Tx:
    """Runs the threatexchange CLI in an isolated home as member ``reader``."""

    def __init__(self, home: Path, key_path: Path) -> None:
        home.mkdir()
        self.env = dict(
            os.environ,
            HOME=str(home),
            TX_STATEDIR=str(home / ".threatexchange"),
            TX_CLEARINGHOUSE_CREDENTIALS=json.dumps(
                {"member": "reader", "key_path": str(key_path)}
            ),
        )
        self.env.pop("TX_VERBOSE", None)

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(TX), *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if ok:
            assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done


@pytest.fixture
def world(context, start_server, tmp_path):
    """A server with a submitter ``alpha`` and a reader; three images, one submitted copy
    edited; a threatexchange CLI configured with the extension and a collaboration."""
    alpha_key, reader_key = SigningKey.generate(), SigningKey.generate()
    members.add_member(context.db, "alpha", "Alpha", "submitter,matcher", alpha_key.verify_key)
    members.add_member(context.db, "reader", "Reader", "matcher,auditor", reader_key.verify_key)
    key_path = tmp_path / "reader.key"
    key_path.write_bytes(reader_key.to_pem())
    key_path.chmod(0o600)
    url = start_server()
    images = {name: _image(tmp_path / f"{name}.png", seed) for seed, name in enumerate("abc")}
    edited = _edited(images["a"], tmp_path / "a-edited.jpg")
    alpha = Client(url, "alpha", alpha_key, retries=0)
    alpha.submit([_pdq_item(path) for path in images.values()])
    tx = Tx(tmp_path / "home", key_path)
    tx("config", "extensions", "add", "clearinghouse.exchange")
    tx("config", "collab", "edit", "clearinghouse", "chx", "--create", "--server-url", url)
    yield {"url": url, "alpha": alpha, "tx": tx, "images": images, "edited": edited}
    alpha.close()


def _matches(tx: Tx, path: Path) -> list[str]:
    return [line for line in tx("match", "photo", str(path)).stdout.splitlines() if line]


def test_fetch_match_label_retract_and_refetch(context, world):
    tx, alpha, edited = world["tx"], world["alpha"], world["edited"]
    assert world["images"]["a"].read_bytes() != edited.read_bytes()
    fetched = tx("fetch")
    assert "Up to date" in fetched.stderr

    (line,) = _matches(tx, edited)
    assert line.startswith("pdq ") and "(chx)" in line
    assert "INVESTIGATION_SEED" in line and GLORIFY in line

    # A positive label is a signed agree statement in the log.
    value = _pdq(world["images"]["a"])
    tx("label", "--as-hash", "pdq", "chx", "photo", "--", value)
    entries = _log(context)
    assert entries[-1]["type"] == "feedback" and entries[-1]["member"] == "reader"
    assert _items(entries[-1]) == [
        {
            "signal_type": "pdq",
            "value": value,
            "verdict": "agree",
            "reason": "positive_class opinion through python-threatexchange",
        }
    ]

    # Retracted: after the next fetch the edited copy no longer matches; the rest still do.
    alpha.retract([{"signal_type": "pdq", "value": value, "reason": "wrongly submitted"}])
    tx("fetch")
    assert _matches(tx, edited) == []
    assert len(_matches(tx, world["images"]["b"])) == 1

    # Nothing new: the stored dataset and checkpoint stay as they were.
    before = tx("dataset", "--print-signals").stdout, _checkpoint_files(tx)
    assert len(before[0].splitlines()) == 2 and before[1]
    again = tx("fetch")
    assert "Downloaded" not in again.stderr and "Up to date" in again.stderr
    assert (tx("dataset", "--print-signals").stdout, _checkpoint_files(tx)) == before


def test_a_log_rewritten_behind_the_clients_back_fails_the_fetch(context, world):
    from integration.audit.tampering import truncate

    tx, alpha = world["tx"], world["alpha"]
    tx("fetch")
    size = len(_log(context))
    # The operator drops the last submission and logs a different one in its place.
    truncate(context, size - 1)
    alpha.submit([_pdq_item(_image(world["edited"].with_name("d.png"), 9))])
    assert len(_log(context)) == size
    failed = tx("fetch", ok=False)
    assert failed.returncode != 0
    assert "forked or rewritten" in failed.stderr
    # And the fetch state did not move: a retry fails the same way.
    assert "forked or rewritten" in tx("fetch", ok=False).stderr


def _log(context) -> list[dict]:
    with context.db.read() as session:
        return [json.loads(data) for _, data in read_entries(session, 0, log_size(session))]


def _items(entry: dict) -> list[dict]:
    return json.loads(base64.b64decode(entry["envelope"]["payload"]))["items"]


def _checkpoint_files(tx: Tx) -> dict[str, bytes]:
    root = Path(tx.env["TX_STATEDIR"]) / "fetched"
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
