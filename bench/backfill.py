#!/usr/bin/env python3
"""Backfill speed against git itself, measured in the same run.

    bench/backfill.py [REPO] [--workers N] [--rounds K]

With REPO, a local clone of it is backfilled (the original is never written to); without,
a synthetic history of 20,000 commits is generated. Prints beats per second for
`devlog backfill` and the ratio to `git log --first-parent --numstat` over the same commits
(1.0 = as fast as git; higher is faster).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import compile_bytecode  # noqa: E402


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def prepare(repo: str | None, scratch: Path, commits: int) -> Path:
    target = scratch / "repo"
    if repo:
        subprocess.run(["git", "clone", "-q", "--bare", "--local", repo, str(target)], check=True)
        return target
    from tests.synth import write_history

    print(f"generating a synthetic history of {commits} commits…", file=sys.stderr)
    return write_history(target, commits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", nargs="?")
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=0, help="0 = one per core")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        repo = prepare(args.repo, Path(tmp), args.commits)
        count = int(subprocess.run(["git", "rev-list", "--first-parent", "--count", "HEAD"], cwd=repo,
                                   capture_output=True, text=True, check=True).stdout)
        git_cmd = ["git", "log", "--first-parent", "--numstat", "HEAD"]
        devlog_cmd = [sys.executable, "-m", "devlogd", "backfill"]
        if args.workers:
            devlog_cmd += ["--workers", str(args.workers)]
        state = repo / "devlog" if (repo / "HEAD").exists() else repo / ".git" / "devlog"
        git_times, devlog_times = [], []
        for _ in range(args.rounds):  # interleaved so both see the same machine state
            git_times.append(timed(git_cmd, repo))
            shutil.rmtree(state, ignore_errors=True)
            devlog_times.append(timed(devlog_cmd, repo))
        git_s, devlog_s = statistics.median(git_times), statistics.median(devlog_times)
        print(f"commits (first parent):          {count}")
        print(f"git log --first-parent --numstat: {git_s:.3f} s  ({count / git_s:,.0f} commits/s)")
        print(f"devlog backfill:                  {devlog_s:.3f} s  ({count / devlog_s:,.0f} beats/s)")
        print(f"ratio (git time / devlog time):   {git_s / devlog_s:.2f}x  (goal >= 1.0, floor 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
