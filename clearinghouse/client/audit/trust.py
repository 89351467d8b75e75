"""Which log key to trust, and the checkpoint it signs.

The server publishes its verifier key, but a server that lies would publish a lying key
too, so the key served is only believed on first use. After that the key pinned in the
auditor's state (or the one the operator passes) is the only one a checkpoint may be
signed with, and a change of the published key is itself a failure: DESIGN §6 promises
the log key is never rotated silently.
"""

from __future__ import annotations

from clearinghouse.client.audit.findings import LogSource
from clearinghouse.errors import InvalidInput, VerificationError
from clearinghouse.tlog import Checkpoint, NoteVerifier, open_checkpoint

__all__ = ["choose_log_key", "signed_checkpoint", "trusted_checkpoint"]


def choose_log_key(
    served: str, given: str | None, pinned: str | None
) -> tuple[str, list[str], list[str]]:
    """The vkey to trust, the problems with the choice, and warnings.

    ``given`` is the operator's ``--log-key``, ``pinned`` the one in the state file.
    """
    problems: list[str] = []
    warnings: list[str] = []
    served = served.strip()
    for name, vkey in (("--log-key", given), ("the state file's key", pinned)):
        if vkey is not None:
            try:
                NoteVerifier.from_vkey(vkey)
            except InvalidInput as exc:
                raise InvalidInput(f"{name} {vkey!r}: {exc.detail}") from None
    if given is not None and pinned is not None and given.strip() != pinned.strip():
        problems.append(f"--log-key {given.strip()} is not the key pinned in the state {pinned}")
    expected = (given or pinned or served).strip()
    if given is None and pinned is None:
        warnings.append(f"trusting the log key the server publishes on first use: {served}")
    if served != expected:
        problems.append(f"the server publishes log key {served}, expected {expected}")
    return expected, problems, warnings


def signed_checkpoint(note: str, vkey: str) -> Checkpoint:
    """The checkpoint in ``note`` once signed by ``vkey`` for its own origin, else
    VerificationError."""
    verifier = NoteVerifier.from_vkey(vkey)
    return open_checkpoint(note, [verifier], origin=verifier.name)


def trusted_checkpoint(
    source: LogSource, log_key: str | None = None, pinned: str | None = None
) -> tuple[Checkpoint, str, list[str]]:
    """The server's current checkpoint, its vkey and warnings; any doubt is
    VerificationError (for the one-proof commands, which stop at the first failure)."""
    vkey, problems, warnings = choose_log_key(source.log_key(), log_key, pinned)
    if problems:
        raise VerificationError("; ".join(problems))
    return signed_checkpoint(source.log_checkpoint(), vkey), vkey, warnings
