"""A server with members and submitted images, and a ``threatexchange`` CLI configured to
fetch from it in an isolated HOME: shared by the CLI and the light-install tests."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from clearinghouse.client import Client
from clearinghouse.crypto import SigningKey
from clearinghouse.services.use_cases import members
from clearinghouse.signals.hashing.files import HashOptions, hash_file

GLORIFY = "behaviour:glorification-of-terrorist-acts"
SHARED_TX = Path(sys.executable).with_name("threatexchange")


def image(path: Path, seed: int) -> Path:
    """A smooth random picture (enough structure for a high-quality PDQ hash)."""
    noise = np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    img = Image.fromarray(noise).resize((640, 480), Image.BICUBIC)
    img.filter(ImageFilter.GaussianBlur(3)).save(path)
    return path


def edited(original: Path, path: Path) -> Path:
    """Smaller, brighter, JPEG-recompressed: a near copy that is not byte-identical."""
    with Image.open(original) as img:
        smaller = img.resize((500, 375))
        ImageEnhance.Brightness(smaller).enhance(1.1).save(path, quality=80)
    return path


def pdq_item(path: Path) -> dict:
    """The submission item of an image's PDQ hash, as `clearinghouse hash` computes it."""
    (record,) = hash_file(path, HashOptions(types=frozenset({"pdq"})))
    return {
        "signal_type": "pdq",
        "value": record["value"],
        "quality": record["quality"],
        "content_type": record["content_type"],
        "labels": [GLORIFY],
    }


class Tx:
    """Runs a threatexchange CLI in an isolated home as member ``reader``."""

    def __init__(self, executable: Path, home: Path, key_path: Path, env: dict) -> None:
        home.mkdir()
        self.executable = executable
        self.env = dict(
            env,
            HOME=str(home),
            TX_STATEDIR=str(home / ".threatexchange"),
            TX_CLEARINGHOUSE_CREDENTIALS=json.dumps(
                {"member": "reader", "key_path": str(key_path)}
            ),
        )
        self.env.pop("TX_VERBOSE", None)

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(self.executable), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if ok:
            assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done

    def matches(self, path: Path) -> list[str]:
        """The lines `threatexchange match photo PATH` prints."""
        return [line for line in self("match", "photo", str(path)).stdout.splitlines() if line]


@dataclass
class World:
    url: str
    alpha: Client
    tx: Tx
    images: dict[str, Path]
    edited: Path


def make_world(db, start_server, tmp_path: Path, tx_executable: Path, env: dict) -> World:
    """Members ``alpha`` (submitter) and ``reader`` (matcher, auditor); three images
    submitted by alpha, one of them edited; the CLI configured with the extension and a
    collaboration ``chx`` on the server. Three, because the library's PDQ index finds
    nothing when it holds a single hash (facebook/ThreatExchange#1318)."""
    alpha_key, reader_key = SigningKey.generate(), SigningKey.generate()
    members.add_member(db, "alpha", "Alpha", "submitter,matcher", alpha_key.verify_key)
    members.add_member(db, "reader", "Reader", "matcher,auditor", reader_key.verify_key)
    key_path = tmp_path / "reader.key"
    key_path.write_bytes(reader_key.to_pem())
    key_path.chmod(0o600)
    url = start_server()
    images = {name: image(tmp_path / f"{name}.png", seed) for seed, name in enumerate("abc")}
    copy = edited(images["a"], tmp_path / "a-edited.jpg")
    alpha = Client(url, "alpha", alpha_key, retries=0)
    alpha.submit([pdq_item(path) for path in images.values()])
    tx = Tx(tx_executable, tmp_path / "home", key_path, env)
    tx("config", "extensions", "add", "clearinghouse.exchange")
    tx("config", "collab", "edit", "clearinghouse", "chx", "--create", "--server-url", url)
    return World(url, alpha, tx, images, copy)
