"""The incident and subscription commands against a real server: a coordinator declares,
updates and concludes an incident that every member lists, with its times; anyone else
is refused; a member adds a subscription (its secret printed once), lists and removes it."""

from __future__ import annotations

import json

import pytest

from .conftest import json_lines

RECEIVER = "http://127.0.0.1:9/hook"  # never called: nothing is delivered in these tests


@pytest.fixture
def settings(settings):
    return settings.replace(
        webhook_allow_http_hosts=("127.0.0.1",),
        webhook_allow_networks=("127.0.0.0/8",),
        webhook_delivery=False,
    )


def test_a_coordinator_declares_updates_and_concludes_and_members_list_it(cli, register, acme):
    coordinator = register("harbourwatch", "coordinator")
    declared = cli("incidents", "declare", "harbour-attack", "--title", "Harbour attack",
                   "--summary", "a livestream", as_=coordinator)  # fmt: skip
    assert declared.exit_code == 0, declared.output
    assert declared.output.split("\t")[:2] == ["harbour-attack", "active"]
    assert "incident:harbour-attack" in cli("labels").output  # in the taxonomy from now on
    updated = cli("incidents", "update", "harbour-attack", "--summary", "re-encoded variants",
                  "--json", as_=coordinator)  # fmt: skip
    assert updated.exit_code == 0, updated.output
    assert json.loads(updated.output)["incident"]["summary"] == "re-encoded variants"
    (listed,) = json_lines(cli("incidents", "list", "--json").output)  # any member lists
    assert listed["status"] == "active" and listed["updated"] and not listed["concluded"]
    concluded = cli("incidents", "conclude", "harbour-attack", as_=coordinator)
    assert concluded.exit_code == 0, concluded.output
    (listed,) = json_lines(cli("incidents", "list", "--json").output)
    assert listed["status"] == "concluded" and listed["concluded"] and listed["declared"]
    line = cli("incidents", "list").output
    assert line.startswith("harbour-attack\tconcluded\tdeclared ") and "Harbour attack" in line


def test_a_member_without_the_role_cannot_declare(cli, acme):
    refused = cli("incidents", "declare", "harbour-attack", "--title", "Harbour attack")
    assert refused.exit_code != 0
    assert "403" in refused.output or "coordinator" in refused.output.lower()
    assert json_lines(cli("incidents", "list", "--json").output) == []


def test_subscriptions_add_list_and_remove(cli, acme, globex):
    added = cli("subscriptions", "add", RECEIVER, "--type", "pdq", "--label", "behaviour:*",
                "--only-confirmed", "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    answer = json.loads(added.output)
    assert answer["secret"].startswith("whsec_") and answer["status"] == "active"
    plain = cli("subscriptions", "add", RECEIVER).output.splitlines()
    assert plain[1].startswith("secret (shown once): whsec_")
    listed = json_lines(cli("subscriptions", "list", "--json").output)
    assert [s["id"] for s in listed] == [answer["id"], plain[0].split("\t")[0]]
    assert "secret" not in listed[0]  # shown once only
    assert listed[0]["filters"]["only_confirmed"] is True
    assert json_lines(cli("subscriptions", "list", "--json", as_=globex).output) == []
    assert cli("subscriptions", "remove", answer["id"], as_=globex).exit_code != 0  # not its own
    removed = cli("subscriptions", "remove", answer["id"])
    assert removed.exit_code == 0 and removed.output.strip() == f"removed {answer['id']}"
    assert [s["id"] for s in json_lines(cli("subscriptions", "list", "--json").output)] == [
        plain[0].split("\t")[0]
    ]
    refused = cli("subscriptions", "add", "http://hooks.example.org/x")  # plain http elsewhere
    assert refused.exit_code != 0 and "https" in refused.output.lower()
