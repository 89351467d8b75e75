"""Audit: ``clearinghouse audit verify`` throughput against a bare loop of leaf hashing
and a compact range over the same entries, measured in the same run.

A throwaway SQLite log is filled with signed submissions from several members, written
straight through ``store.log.append_entries`` in batches (the append rate is reported
too). A real ``clearinghouse serve`` process serves it, and the audit runs as its own
process, as an auditor would run it: checkpoint signature, every entry over HTTP in pages
of 1,000, the tree against the signed root with a consistency proof per page, the entry
rules, every statement signature, and the state file (pinned key, leaf hashes). It runs
three times: on a tenth of the log with a fresh state; on the whole log with ``--full``
(every signature verified again: the cost of a first audit of that size); and after the
log grew by another tenth, as a periodic auditor runs it (signatures of entries verified
before are carried over). Peak memory of the audit process is reported for each, to show
it does not grow with the log.

To fill a million entries quickly, statements are signed once into a pool of at most
20,000 distinct envelopes that the entries cycle through; the auditor checks every
entry's signature regardless, so the audit's work is that of a log of distinct ones.

    .venv/bin/python benchmarks/audit.py [--quick] [--entries N] [--workers W]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rfc8785
from _server import server_process

from clearinghouse.bootstrap import Root, bootstrap
from clearinghouse.config import load_settings
from clearinghouse.crypto import SigningKey, sign_envelope
from clearinghouse.services.use_cases import members
from clearinghouse.store import migrate
from clearinghouse.store.log import append_entries, log_size, read_entries
from clearinghouse.tlog import CompactRange, leaf_hash
from clearinghouse.wire import iso, utcnow

MEMBERS = 8
POOL = 20_000
BATCH = 10_000
PAYLOAD_TYPE = "application/vnd.clearinghouse.submission+json"


def _pool(keys: dict[str, SigningKey], size: int) -> list[tuple[str, str, dict]]:
    """Signed submission envelopes, round-robin over the members."""
    names = sorted(keys)
    pool = []
    for i in range(size):
        name = names[i % len(names)]
        item = {"signal_type": "pdq", "value": secrets.token_hex(32), "quality": 90,
                "content_type": "image/jpeg",
                "labels": ["behaviour:glorification-of-terrorist-acts"]}  # fmt: skip
        payload = json.dumps({"member": name, "created": iso(utcnow()), "items": [item]})
        envelope = sign_envelope(PAYLOAD_TYPE, payload.encode(), keys[name])
        pool.append((name, keys[name].key_id, envelope.to_dict()))
    return pool


def _encode(time: str, name: str, key_id: str, envelope: dict) -> bytes:
    # RFC 8785 for this shape (ASCII strings, no numbers) is sorted compact JSON; the
    # first entries are checked against the canonicaliser below.
    entry = {"type": "submission", "time": time, "member": name, "key_id": key_id,
             "envelope": envelope}  # fmt: skip
    return json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()


def populate(ctx: Root, pool: list, target: int) -> float:
    """Append submissions until the log holds ``target`` entries; entries per second."""
    with ctx.db.read() as session:
        size = log_size(session)
    begun, added = time.perf_counter(), 0
    while size < target:
        now = utcnow()
        stamp = iso(now)
        count = min(BATCH, target - size)
        rows = [("submission", _encode(stamp, *pool[(size + i) % len(pool)])) for i in range(count)]
        if added == 0:
            sample = json.loads(rows[0][1])
            assert rfc8785.dumps(sample) == rows[0][1], "entry encoding is not RFC 8785"
        with ctx.db.write() as session:
            append_entries(session, rows, now)
        size += count
        added += count
    elapsed = time.perf_counter() - begun
    return added / elapsed if added else 0.0


def baseline(ctx: Root, size: int) -> tuple[float, bytes]:
    """Entries per second of leaf hashing + CompactRange alone (database reads not timed)."""
    tree, spent = CompactRange(), 0.0
    for start in range(0, size, 1_000):
        with ctx.db.read() as session:
            page = read_entries(session, start, min(size, start + 1_000))
        begun = time.perf_counter()
        for _, data in page:
            tree.append(leaf_hash(data))
        spent += time.perf_counter() - begun
    return size / spent, tree.root()


class CpuMeter:
    """CPU seconds of process trees, sampled from /proc while they run.

    ``wait4`` does not count the audit's signature workers (children of a forkserver it
    never waits for), so the trees are walked every 0.1 s and each process's last
    cumulative figure kept; a process's final tenth of a second may be missed.
    """

    def __init__(self, *roots: int) -> None:
        self.roots = roots
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def _stat(self, pid: int) -> tuple[int, float] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / self._tick

    def sample(self) -> None:
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (stat := self._stat(int(entry))) is not None:
                stats[int(entry)] = stat
        tree, frontier = set(), set(self.roots)
        while frontier:
            tree |= frontier
            frontier = {pid for pid, (ppid, _) in stats.items() if ppid in frontier} - tree
        for pid in tree & stats.keys():
            self.seen[pid] = max(self.seen.get(pid, 0.0), stats[pid][1])

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.sample()

    def __enter__(self) -> CpuMeter:
        self.sample()
        self.before = dict(self.seen)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def seconds(self, exclude: frozenset[int] = frozenset()) -> float:
        """CPU seconds spent since entering, by every process seen (but ``exclude``)."""
        return sum(
            cpu - self.before.get(pid, 0.0) for pid, cpu in self.seen.items() if pid not in exclude
        )


def audit(
    base: str,
    key_path: Path,
    state: Path,
    workers: int | None,
    server: subprocess.Popen,
    *extra: str,
) -> tuple[float, int, dict, float, float]:
    """Wall seconds, peak RSS (KiB), the JSON report, and the CPU seconds of the audit
    (with its workers) and of the server, for one ``audit verify`` process."""
    argv = [sys.executable, "-m", "clearinghouse.cli", "audit", "verify", "--server", base,
            "--member", "auditor", "--key", str(key_path), "--state", str(state), "--json",
            "--no-progress", *extra]  # fmt: skip
    if workers is not None:
        argv += ["--workers", str(workers)]
    begun = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    with CpuMeter(proc.pid) as audit_cpu, CpuMeter(server.pid) as server_cpu:
        out = proc.stdout.read()
        audit_cpu.sample()
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - begun
    proc.returncode = os.waitstatus_to_exitcode(status)
    report = json.loads(out)
    if proc.returncode != 0 or not report["ok"]:
        raise SystemExit(f"audit failed: {report['problems'][:3]}")
    # The audit process itself is counted exactly by wait4; its workers by sampling.
    spent = usage.ru_utime + usage.ru_stime + audit_cpu.seconds(frozenset({proc.pid}))
    return elapsed, usage.ru_maxrss, report, spent, server_cpu.seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 entries")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="signature worker processes (default: the CLI's choice)",
    )
    args = parser.parse_args()
    total = 20_000 if args.quick else args.entries
    first = max(1_000, total // 10)

    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        tmp = Path(tmp)
        url = f"sqlite:///{tmp / 'log.db'}"
        migrate.upgrade(url)
        ctx = bootstrap(load_settings(environ={}, data_dir=tmp / "data", database_url=url))
        keys = {f"member-{i}": SigningKey.generate() for i in range(MEMBERS)}
        for name, key in keys.items():
            members.add_member(ctx.db, name, name.title(), "submitter,matcher", key.verify_key)
        auditor = SigningKey.generate()
        members.add_member(ctx.db, "auditor", "Auditor", "auditor", auditor.verify_key)
        key_path = tmp / "auditor.key"
        key_path.write_bytes(auditor.to_pem())
        key_path.chmod(0o600)
        state = tmp / "audit-state.json"

        print(f"signing a pool of {min(POOL, total):,} envelopes from {MEMBERS} members ...")
        pool = _pool(keys, min(POOL, total))
        rate = populate(ctx, pool, first)

        with server_process(tmp / "data", url) as (base, server):
            loads = [os.getloadavg()[0]]
            runs = [("fresh state", first, *audit(base, key_path, state, args.workers, server))]
            rate = min(rate, populate(ctx, pool, total))
            loads.append(os.getloadavg()[0])
            full = audit(base, key_path, state, args.workers, server, "--full")
            loads.append(os.getloadavg()[0])
            runs.append(("--full", total, *full))
            grown = total + first
            rate = min(rate, populate(ctx, pool, grown))
            runs.append(("periodic", grown, *audit(base, key_path, state, args.workers, server)))
            loads.append(os.getloadavg()[0])
        base_rate, root = baseline(ctx, grown)
        ctx.close()

    import base64

    assert base64.b64encode(root).decode() == runs[-1][4]["root"], "baseline root differs"
    print(f"append (store.log.append_entries, batches of {BATCH:,}): {rate:,.0f} entries/s")
    print(f"baseline (leaf hash + CompactRange, same entries): {base_rate:,.0f} entries/s")
    cores = os.cpu_count() or 1
    for name, size, seconds, rss, report, audit_cpu, server_cpu in runs:
        speed = size / seconds
        print(
            f"audit verify {name:>11} of {size:>9,} entries: {seconds:7.1f} s, "
            f"{speed:8,.0f} entries/s = {speed / base_rate:.3f} x baseline, "
            f"peak RSS {rss / 1024:,.0f} MiB, {report['statements']:,} signatures verified, "
            f"{report['carried']:,} carried over; CPU {1e6 * audit_cpu / size:,.0f} us/entry "
            f"audit + {1e6 * server_cpu / size:,.0f} us/entry server"
        )
    _, size, seconds, _, _, audit_cpu, server_cpu = runs[1]
    print(
        f"first audit projected for 10^6 entries: {1e6 * seconds / size:,.0f} s as measured "
        f"(load average {min(loads):.1f}-{max(loads):.1f} on {cores} CPUs, shared with the "
        f"server); {1e6 * (audit_cpu + server_cpu) / size / cores:,.0f} s of CPU per core "
        f"(audit and server CPU over {cores} cores: the wall time on an idle machine if "
        f"the pipeline kept every core busy). Target <= 120 s"
    )


if __name__ == "__main__":
    main()
