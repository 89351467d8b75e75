"""The label taxonomy: shipped file, extension by configuration, validation, digest."""

from __future__ import annotations

import pytest

from clearinghouse.errors import ConfigError
from clearinghouse.signals import SignalError, default_taxonomy, load_taxonomy

REQUIRED = [
    "behaviour:imminent-credible-threat",
    "behaviour:graphic-violence-against-defenseless-people",
    "behaviour:glorification-of-terrorist-acts",
    "behaviour:radicalization-recruitment-instruction",
]
FAMILIES = "valid families: behaviour:<slug>, entity:<slug>, incident:<slug>"


def test_shipped_taxonomy_has_the_required_labels_and_families():
    t = default_taxonomy()
    assert set(t.families) == {"behaviour", "entity", "incident"}
    for label in REQUIRED:
        assert label in t
    assert t.validate(REQUIRED) == REQUIRED
    assert t.validate([]) == []


@pytest.mark.parametrize(
    ("labels", "field", "reason"),
    [
        (["foo:bar"], "labels[0]", f"unknown label 'foo:bar'; {FAMILIES}"),
        (["behaviour"], "labels[0]", f"unknown label 'behaviour'; {FAMILIES}"),
        (
            [REQUIRED[0], "behaviour:made-up"],
            "labels[1]",
            "unknown label 'behaviour:made-up'; known behaviour labels: "
            "behaviour:attacker-manifesto",
        ),
        (["Behaviour:Imminent-Credible-Threat"], "labels[0]", FAMILIES),
        ([REQUIRED[0], REQUIRED[0]], "labels[1]", "duplicate label"),
        ([7], "labels[0]", f"expected a label string; {FAMILIES}"),
        ("behaviour:imminent-credible-threat", "labels", "expected a list of labels"),
        (None, "labels", "expected a list of labels"),
    ],
)
def test_unknown_labels_are_refused_with_the_valid_families(labels, field, reason):
    with pytest.raises(SignalError) as caught:
        default_taxonomy().validate(labels)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_extra_labels_extend_the_taxonomy_and_change_the_digest():
    base = default_taxonomy()
    extended = load_taxonomy(extra_labels=["incident:exercise-2024", "entity:example-group"])
    assert extended.validate(["incident:exercise-2024"]) == ["incident:exercise-2024"]
    assert extended.digest() != base.digest()
    assert extended.canonical() == sorted(extended.canonical())
    assert set(base.canonical()) < set(extended.canonical())


def test_digest_is_stable_and_order_independent():
    a = load_taxonomy(extra_labels=["entity:a", "entity:b"])
    b = load_taxonomy(extra_labels=["entity:b", "entity:a"])
    assert a.digest() == b.digest()
    assert len(a.digest()) == 64
    assert default_taxonomy().digest() == load_taxonomy().digest()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["thing:x"], "unknown family 'thing'"),
        (["behaviour:Bad_Slug"], "not a label of the form family:slug"),
        (["behaviour:double--hyphen"], "not a label of the form family:slug"),
        (["behaviour:"], "not a label of the form family:slug"),
        (["entity:" + "a" * 100], "not a label of the form family:slug"),
    ],
)
def test_bad_extra_labels_stop_start_up(extra, message):
    with pytest.raises(ConfigError, match=message):
        load_taxonomy(extra_labels=extra)


def test_a_taxonomy_file_is_validated(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[families.behaviour]\n[labels]\n"entity:x" = "no such family"\n')
    with pytest.raises(ConfigError, match="unknown family 'entity'"):
        load_taxonomy(path)
    path.write_text("not = [toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_taxonomy(path)
    path.write_text('[families.behaviour]\n[labels]\n"behaviour:ok" = "fine"\n')
    assert load_taxonomy(path).canonical() == ["behaviour:ok"]
