"""The entry rules on their own: a table of bad entries, each named with its check."""

from __future__ import annotations

import base64
import json

import pytest
import rfc8785

from clearinghouse.client.audit.entries import EntryChecker
from clearinghouse.client.audit.signatures import failed_signatures
from clearinghouse.crypto import SigningKey, sign_envelope

ALPHA, BRAVO = SigningKey.generate(), SigningKey.generate()
SUBMISSION = "application/vnd.clearinghouse.submission+json"
T0 = "2030-01-01T00:00:00.000Z"


def _member_added(member, key, roles=("submitter",), time=T0, **over):
    raw = key.verify_key.raw
    return {
        "type": "member_added",
        "time": time,
        "member": member,
        "name": member.title(),
        "roles": list(roles),
        "key_id": key.key_id,
        "public_key": base64.b64encode(raw).decode(),
        **over,
    }


def _statement(
    member,
    key,
    kind="submission",
    payload_member=None,
    signer=None,
    payload_type=SUBMISSION,
    **over,
):
    payload = json.dumps(
        {"member": payload_member or member, "created": "2030-01-01T00:00:00Z", "items": []}
    ).encode()
    envelope = sign_envelope(payload_type, payload, signer or key).to_dict()
    return {
        "type": kind,
        "time": T0,
        "member": member,
        "key_id": key.key_id,
        "envelope": envelope,
        **over,
    }


BASE = [_member_added("alpha", ALPHA, ("submitter", "matcher")), _member_added("bravo", BRAVO)]


def _run(entries):
    problems, jobs = [], []
    checker = EntryChecker(lambda *p: problems.append(p))
    for index, e in enumerate(entries):
        data = e if isinstance(e, bytes) else rfc8785.dumps(e)
        job = checker.check(index, data)
        if job is not None:
            jobs.append(job)
    for job in failed_signatures(jobs):
        problems.append((job.index, "signature", "fails"))
    return {(index, check) for index, check, _ in problems}


def test_a_good_history_has_no_problem():
    third = SigningKey.generate()
    entries = [
        *BASE,
        _statement("alpha", ALPHA),
        {
            "type": "key_added",
            "time": T0,
            "member": "alpha",
            "key_id": third.key_id,
            "public_key": base64.b64encode(third.verify_key.raw).decode(),
            "by": "alpha",
        },
        {
            "type": "key_revoked",
            "time": T0,
            "member": "alpha",
            "key_id": ALPHA.key_id,
            "by": "alpha",
        },
        _statement("alpha", third),
        _statement(
            "alpha",
            third,
            kind="feedback",
            payload_type="application/vnd.clearinghouse.feedback+json",
        ),
        {"type": "taxonomy", "time": "2030-01-01T00:00:01.000Z", "labels": ["x"]},
    ]
    assert _run(entries) == set()


REVOKE_ALPHA = {
    "type": "key_revoked",
    "time": T0,
    "member": "alpha",
    "key_id": ALPHA.key_id,
    "by": "operator",
}
CASES = {
    "not-json": (b"{nope", "entry"),
    "not-canonical": (b'{"type": "taxonomy", "time": "2030-01-01T00:00:00.000Z"}', "entry"),
    "unknown-type": ({"type": "member_renamed", "time": T0}, "entry"),
    "bad-time": ({"type": "taxonomy", "time": "2030-01-01 00:00:00"}, "time"),
    "back-dated": ({"type": "taxonomy", "time": "2029-12-31T23:59:59.999Z"}, "time"),
    "member-twice": (_member_added("alpha", SigningKey.generate()), "member"),
    "key-id-mismatch": (_member_added("carol", SigningKey.generate(), key_id="0" * 32), "key"),
    "key-twice": (_member_added("carol", ALPHA), "key"),
    "bad-roles": (_member_added("carol", SigningKey.generate(), roles=("admin",)), "member"),
    "suspend-unknown": ({"type": "member_suspended", "time": T0, "member": "zulu"}, "member"),
    "revoke-unknown": ({**REVOKE_ALPHA, "key_id": "f" * 32}, "key"),
    "revoke-other-members": ({**REVOKE_ALPHA, "member": "bravo"}, "key"),
    "unknown-member": (_statement("zulu", ALPHA), "member"),
    "unknown-key": (_statement("alpha", SigningKey.generate()), "key"),
    "other-members-key": (_statement("alpha", BRAVO), "key"),
    "payload-names-other": (_statement("alpha", ALPHA, payload_member="bravo"), "payload"),
    "wrong-payload-type": (_statement("alpha", ALPHA, payload_type="text/plain"), "envelope"),
    "lacks-role": (
        _statement(
            "bravo",
            BRAVO,
            kind="feedback",
            payload_type="application/vnd.clearinghouse.feedback+json",
        ),
        "member",
    ),
    "bad-envelope": ({**_statement("alpha", ALPHA), "envelope": {"payload": "x"}}, "envelope"),
    "forged-signature": (_statement("alpha", ALPHA, signer=BRAVO), "signature"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_entry_is_named(case):
    bad, check = CASES[case]
    assert (len(BASE), check) in _run([*BASE, bad])


def test_statements_after_suspension_or_revocation_are_named():
    entries = [
        *BASE,
        REVOKE_ALPHA,
        _statement("alpha", ALPHA),
        {"type": "member_suspended", "time": T0, "member": "bravo"},
        _statement("bravo", BRAVO),
        {**REVOKE_ALPHA, "time": T0},
    ]
    assert _run(entries) == {(3, "key"), (5, "member"), (6, "key")}


def test_signatures_checked_in_worker_processes_report_the_same_failures():
    from clearinghouse.client.audit.signatures import SignatureChecker

    entries = [*BASE] + [_statement("alpha", ALPHA) for _ in range(6)]
    entries[4] = _statement("alpha", ALPHA, signer=SigningKey.generate())
    entries[4]["envelope"]["signatures"][0]["keyid"] = ALPHA.key_id
    jobs = []
    checker = EntryChecker(lambda *p: pytest.fail(str(p)))
    for index, e in enumerate(entries):
        job = checker.check(index, rfc8785.dumps(e))
        if job is not None:
            jobs.append(job)
    failed = []
    pool = SignatureChecker(lambda job: failed.append(job.index), workers=2)
    pool.submit(jobs[:3])
    pool.submit(jobs[3:])
    pool.finish()
    assert failed == [4] == [j.index for j in failed_signatures(jobs)]


def _hold(kind="signal_held", signal_id=7, by="checker", reason="burst"):
    return {"type": kind, "time": T0, "signal_id": signal_id, "by": by, "reason": reason}


HOLD_CASES = {
    "held-twice": ([_hold(), _hold(by="operator")], (1, "hold")),
    "released-unheld": ([_hold("signal_released", by="operator")], (0, "hold")),
    "held-by-a-member": ([_hold(by="alpha")], (0, "hold")),
    "released-by-the-checker": ([_hold(), _hold("signal_released")], (1, "hold")),
    "no-signal-id": ([_hold(signal_id="7")], (0, "hold")),
    "no-reason": ([_hold(reason=" ")], (0, "hold")),
}


def test_holds_and_releases_in_turn_have_no_problem():
    entries = [_hold(), _hold("signal_released", by="operator"), _hold(by="operator")]
    assert _run([*BASE, *entries, _hold(signal_id=8)]) == set()


@pytest.mark.parametrize("case", HOLD_CASES)
def test_a_bad_hold_or_release_is_named(case):
    entries, (at, check) = HOLD_CASES[case]
    assert _run([*BASE, *entries]) == {(len(BASE) + at, check)}


def _release_statement(signal_id, member="bravo", key=BRAVO):
    payload = json.dumps({"member": member, "created": "2030-01-01T00:00:00Z",
                          "signal_id": signal_id, "reason": "ours"}).encode()  # fmt: skip
    envelope = sign_envelope("application/vnd.clearinghouse.release+json", payload, key)
    return {"type": "release", "time": T0, "member": member, "key_id": key.key_id,
            "envelope": envelope.to_dict()}  # fmt: skip


def test_a_release_statement_ends_a_hold_and_releases_only_what_is_held():
    entries = [_hold(), _release_statement(7), _release_statement(7), _release_statement("7")]
    assert _run([*BASE, *entries]) == {(len(BASE) + 2, "hold"), (len(BASE) + 3, "hold")}
