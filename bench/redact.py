#!/usr/bin/env python3
"""Redaction's share of reading a commit, and its speed on hostile input.

    bench/redact.py [REPO] [--commits N] [--rounds K]

Reads every first-parent commit of REPO (or of a synthetic history of N commits) into
CommitFacts twice per round, interleaved: with redaction, and with redaction replaced by
the identity (the reference). Prints microseconds per commit for both and redaction's
share of reading a commit. Then redacts 200 KB inputs built to make a careless regular
expression backtrack, and prints the throughput (MB/s) of the slowest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devlogd.pipeline import excerpts, gitread, redact  # noqa: E402

HOSTILE = {
    "secret-like names": "token" * 40_000,
    "assignments": "password=" * 25_000,
    "schemes": "a://" * 50_000,
    "prefix runs": "sk-" * 60_000,
    "jwt heads": "eyJ_" * 50_000,
    "xml names": "<password " * 20_000,
    "one long line": "x = " + "A1b2/" * 40_000,
}


def _identity_files(by_path: dict[str, list[str]], width: int | None = None) -> dict[str, list[str]]:
    return {path: [line[:width] for line in lines] for path, lines in by_path.items()}


def _identity_commit(message: str, *_: Any) -> str:
    return message


def read_all(reader: Any, shas: list[str]) -> float:
    started = time.perf_counter()
    for sha in shas:
        reader.facts(sha)
    return (time.perf_counter() - started) / len(shas) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", nargs="?")
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        if args.repo:
            path = Path(args.repo)
        else:
            from tests.synth import write_history

            path = write_history(Path(tmp) / "repo", args.commits)
        reader = gitread.GitReader(path)
        shas = reader.first_parent_shas()
        read_all(reader, shas[:200])  # warm the object cache
        on, off = [], []
        real = (excerpts.redact_files, gitread.redact_commit)
        for _ in range(args.rounds):
            off.append(read_all_without_redaction(reader, shas))
            excerpts.redact_files, gitread.redact_commit = real
            on.append(read_all(reader, shas))
        with_, without = statistics.median(on), statistics.median(off)
        print(f"commits:                        {len(shas)}")
        print(f"reading a commit, no redaction: {without:8.0f} us  (reference)")
        print(f"reading a commit, redacted:     {with_:8.0f} us")
        print(f"redaction's share:              {(with_ - without) / with_:8.1%}  (ratio {with_ / without:.2f})")
    slowest = min(len(text) / _timed(text) / 1e6 for text in HOSTILE.values())
    print(f"hostile input, slowest:         {slowest:8.1f} MB/s  (linear: 200 KB in {0.2 / slowest * 1e3:.0f} ms)")
    return 0


def read_all_without_redaction(reader: Any, shas: list[str]) -> float:
    excerpts.redact_files = _identity_files  # type: ignore[assignment]
    gitread.redact_commit = _identity_commit  # type: ignore[assignment]
    redact._CLEAN_NAMES.clear()  # each round starts as cold as a first backfill
    return read_all(reader, shas)


def _timed(text: str) -> float:
    started = time.perf_counter()
    redact.redact(text)
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
