#!/usr/bin/env python3
"""From `git commit` returning to the beat being in the journal, with the daemon running.

    bench/latency.py [--commits N]

The reference measured in the same run is the commit itself.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import daemon_for, git_env, percentile, scratch_repo, summary  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=50)
    args = parser.parse_args(argv)
    env = git_env()
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        repo = scratch_repo(Path(tmp) / "repo")
        journal = repo / ".git" / "devlog" / "journal.jsonl"
        commits, latencies = [], []
        with daemon_for(repo, how="install"):
            for i in range(args.commits):
                (repo / "file.txt").write_text(f"DEFAULT_PORT = {2000 + i}\n")
                start = time.perf_counter()
                subprocess.run(["git", "commit", "-q", "-a", "-m", f"Move the port to {2000 + i}"],
                               cwd=repo, check=True, env=env)
                returned = time.perf_counter()
                sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                                     text=True, check=True).stdout.strip().encode()
                deadline = returned + 10
                while not journal.exists() or sha not in journal.read_bytes():
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"beat for {sha.decode()} never arrived")
                    time.sleep(0.001)
                commits.append(returned - start)
                latencies.append(time.perf_counter() - returned)
                time.sleep(0.05)
        print(f"git commit itself:          {summary(commits)}")
        print(f"commit returned -> beat:    p50 {statistics.median(latencies) * 1000:.1f} ms, "
              f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms  (goal p95 <= 1000 ms)")
        print(f"ratio (p95 latency / commit): {percentile(latencies, 0.95) / statistics.median(commits):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
