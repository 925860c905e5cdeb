#!/usr/bin/env python3
"""Loading a 100,000-beat journal, against reading and splitting the same bytes.

    bench/journal.py [--beats N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402

from devlogd.pipeline.journal import Journal  # noqa: E402
from tests.story.test_drafting import _synthetic_beats  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--beats", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        path = Path(tmp) / "journal.jsonl"
        path.write_bytes(b"".join(msgspec.json.encode(b) + b"\n" for b in _synthetic_beats(args.beats)))
        start = time.perf_counter()
        lines = path.read_bytes().splitlines()
        read = time.perf_counter() - start
        start = time.perf_counter()
        state = Journal(path).load()
        load = time.perf_counter() - start
        assert len(state.beats) == args.beats == len(lines)
        size = path.stat().st_size / 1e6
        print(f"{args.beats:,} beats ({size:.1f} MB): read+split {read:.3f} s, load {load:.3f} s "
              f"(ratio {load / read:.1f}x; goal: well under 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
