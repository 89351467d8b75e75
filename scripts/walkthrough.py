"""``make walkthrough``: the README's walkthrough, run as written against a throwaway
server, printed as a transcript (each block's commands, then their output)."""

from __future__ import annotations

import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from doc_blocks import blocks  # noqa: E402
from doc_session import Reader  # noqa: E402


def main() -> int:
    readme = ROOT / "README.md"
    with tempfile.TemporaryDirectory(prefix="clearinghouse-walkthrough-") as tmp:
        home = Path(tmp) / "checkout"
        home.mkdir()
        reader = Reader(home)
        print(f"# a checkout in {home}; `make run` serving on 127.0.0.1:{reader.port}")
        reader.start_server()
        try:
            for block in blocks(readme):
                if block.skip is not None:
                    print(f"\n# ({block.where} not run here: {block.skip})")
                    continue
                print()
                print(textwrap.indent(reader.code_of(block).rstrip(), "$ ", lambda _: True))
                done = reader.run(block, merged=True)
                output = done.stdout.rstrip()
                if output:
                    print(textwrap.indent(output, "  ", lambda _: True))
                if done.returncode != 0:
                    print(f"\nFAILED: {block.where} exited with {done.returncode}")
                    return 1
        finally:
            reader.stop()
    print("\nwalkthrough: every block ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
