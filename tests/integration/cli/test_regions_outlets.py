"""Regions from a real photograph, end to end: ``hash`` computes them, ``submit`` sends
them, an edited copy is found through one by ``match``, and no outlet ever carries one —
not the feed or its pages, ``export`` (JSON Lines and CSV), ``signals``, the lookup
answer, the python-threatexchange exchange, the site, or the log's public views."""

from __future__ import annotations

import base64
import json

import numpy as np
import requests
from PIL import Image

from clearinghouse.client import Client
from clearinghouse.exchange import ClearinghouseCollabConfig
from clearinghouse.exchange import ClearinghouseSignalExchangeAPI as API
from clearinghouse.signals import hamming_distance

from .conftest import LABEL, json_lines


def _photo() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.chelsea()[:, :, :3])


def _region_values(lines: list[dict]) -> list[str]:
    return [r["pdq"] for line in lines for r in line.get("regions", [])]


def test_regions_are_used_for_matching_and_leave_through_no_outlet(cli, acme, server_url, tmp_path):
    rgb = _photo()
    Image.fromarray(rgb).save(tmp_path / "removed.png")
    hashed = cli("hash", tmp_path / "removed.png", "--types", "pdq")
    assert hashed.exit_code == 0, hashed.output
    lines = json_lines(hashed.stdout)
    regions = _region_values(lines)
    assert len(regions) >= 6
    (tmp_path / "removed.jsonl").write_text(hashed.stdout)
    submitted = cli("submit", tmp_path / "removed.jsonl", "--label", LABEL)
    assert submitted.exit_code == 0, submitted.output

    # An 18 % centre crop: plain PDQ misses it, a region of the signal finds it.
    h, w = rgb.shape[:2]
    Image.fromarray(rgb[h * 9 // 100 : h * 91 // 100, w * 9 // 100 : w * 91 // 100]).save(
        tmp_path / "upload.png"
    )
    found = cli("match", tmp_path / "upload.png", "--types", "pdq", "--json")
    assert found.exit_code == 0, found.output
    [line] = json_lines(found.stdout)
    assert hamming_distance(line["value"], lines[0]["value"]) > 31  # PDQ alone misses it
    [match] = line["matches"]
    assert match["value"] == lines[0]["value"] and match["via"] == "region"
    assert match["distance"] <= 31 and "variant" in match
    texts = {"match": found.stdout}

    commands = [("export",), ("export", "--format", "csv"), ("signals", "feed", "--json"),
                ("signals", "mine", "--json"), ("signals", "get", match["signal_id"])]  # fmt: skip
    for args in commands:
        result = cli(*args)
        assert result.exit_code == 0, result.output
        texts[" ".join(map(str, args))] = result.stdout

    with Client(server_url, acme.id, acme.key, retries=0) as client:
        texts["feed api"] = json.dumps(client.signals())
        texts["signal api"] = json.dumps(client.signal(match["signal_id"]))
        collab = ClearinghouseCollabConfig(
            name="ch", api="clearinghouse", enabled=True, server_url=server_url
        )
        api = API(collab, client)
        from threatexchange.signal_type.pdq.signal import PdqSignal

        fetched = [delta.updates for delta in api.fetch_iter([PdqSignal], None)]
        texts["exchange"] = repr(fetched)
        assert lines[0]["value"] in texts["exchange"]  # the signal itself does go out
        entry = _submission_index(client)
        raw_entry = _raw_entry(client, entry)
        site = requests.Session()
        public = {path: site.get(server_url + path).text for path in ("/", "/log", "/report")}
        site.get(client.site_login()["url"])  # signed in as an auditor from here on
        signed_in = {
            path: site.get(server_url + path).text
            for path in (
                "/log",
                "/log/0",
                f"/log/{entry}",
                f"/signals/{match['signal_id']}",
                "/report",
            )
        }
    texts |= {f"site {k}": v for k, v in public.items()}
    texts |= {f"site signed-in {k}": v for k, v in signed_in.items()}
    assert lines[0]["value"] in texts["site signed-in /signals/" + str(match["signal_id"])]
    assert lines[0]["value"] in texts[f"site signed-in /log/{entry}"]
    # The log itself keeps the signed statement verbatim, regions and all (its digest is
    # what the tree commits to); only the auditor's raw entries hold them.
    assert regions[0] in raw_entry
    for name, text in texts.items():
        leaked = [r for r in regions if r in text.lower()]
        assert leaked == [], f"{name} carries region values"


def _submission_index(client: Client) -> int:
    """The log index of the (only) submission, found by reading the log as an auditor."""
    size = int(client.log_checkpoint().splitlines()[1])
    for index, data in client.log_entries(0, size):
        if json.loads(data)["type"] == "submission":
            return index
    raise AssertionError("no submission in the log")


def _raw_entry(client: Client, index: int) -> str:
    [(_, data)] = client.log_entries(index, index + 1)
    entry = json.loads(data)
    return base64.b64decode(entry["envelope"]["payload"]).decode()


def test_suppressions_from_the_command_line(cli, tmp_path):
    value = "ab" * 32
    line = {"signal_type": "pdq", "value": value, "quality": 90, "content_type": "image/png"}
    (tmp_path / "one.jsonl").write_text(json.dumps(line) + "\n")
    assert cli("submit", tmp_path / "one.jsonl", "--label", LABEL).exit_code == 0
    [line] = json_lines(cli("match", "--type", "pdq", "--value", value, "--json").stdout)
    sid = line["matches"][0]["signal_id"]
    added = cli("suppressions", "add", sid, "--reason", "our logo", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["status"] == "new"
    listed = json_lines(cli("suppressions", "list", "--json").stdout)
    assert [(s["signal_id"], s["reason"]) for s in listed] == [(sid, "our logo")]
    [line] = json_lines(cli("match", "--type", "pdq", "--value", value, "--json").stdout)
    assert line["matches"][0]["suppressed"] is True
    assert cli("suppressions", "remove", sid).exit_code == 0
    assert json_lines(cli("suppressions", "list", "--json").stdout) == []
