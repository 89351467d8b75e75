"""Run every benchmark in turn (``make bench``); each prints ratios against a baseline
measured in the same run. Output is also kept in ``benchmarks/out/<name>.txt``.

    .venv/bin/python benchmarks/run_all.py [--quick] [name ...]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "hashing",
    "tmk",
    "regions",
    "ingest",
    "matching",
    "signal_states",
    "match_http",
    "match_wrk",
    "scale",
    "match_worst",
    "front",
    "tlog",
    "audit",
    "site",
    "push",
]


def main() -> int:
    args = sys.argv[1:]
    quick = ["--quick"] if "--quick" in args else []
    names = [a for a in args if not a.startswith("-")] or ORDER
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    failed = []
    for name in names:
        script = HERE / f"{name}.py"
        if not script.exists():
            print(f"== {name}: no such benchmark")
            failed.append(name)
            continue
        print(f"\n== {name}", flush=True)
        with open(out_dir / f"{name}.txt", "w") as log:
            proc = subprocess.Popen(
                [sys.executable, str(script), *quick],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for line in proc.stdout:
                sys.stdout.write(line)
                log.write(line)
            if proc.wait() != 0:
                failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
