#!/usr/bin/env python3
"""Draft assembly for large journals, against loading the same journal.

    bench/draft.py [--sizes 10000,20000]

For each size, a journal of that many beats is written, then timed: loading it (the
reference), and planning plus writing the offline post from it. Prints the plan's size
against the token budget.
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

from devlogd.story.identity import Identity
from devlogd.story.material import build_material  # noqa: E402
from devlogd.pipeline.journal import Journal  # noqa: E402
from devlogd.story.narrators.offline import write_post  # noqa: E402
from tests.story.test_drafting import _synthetic_beats  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,20000")
    parser.add_argument("--budget", type=int, default=24_000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    write_post(build_material(_synthetic_beats(20), Identity("warm", "folder")))  # warms the template engine
    print(f"first post in a process (the template engine loaded once): {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"journal-{size}.jsonl"
            path.write_bytes(b"".join(msgspec.json.encode(b) + b"\n" for b in _synthetic_beats(size)))
            start = time.perf_counter()
            beats = Journal(path).load().beats
            load = time.perf_counter() - start
            start = time.perf_counter()
            plan = build_material(beats, Identity("bench", "folder"), token_budget=args.budget, cache={})
            post = write_post(plan)
            draft = time.perf_counter() - start
            print(f"{size:>6} beats: load {load:.2f} s, plan + offline post {draft:.2f} s "
                  f"(ratio {draft / load:.1f}x the load; goal < 10 s), "
                  f"{len(plan.chapters)} chapters + {len(plan.eras)} eras, ~{plan.tokens:,} tokens "
                  f"(budget {args.budget:,}), post {len(post):,} chars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
