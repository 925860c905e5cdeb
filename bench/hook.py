#!/usr/bin/env python3
"""What the hooks add to `git commit`, measured against the same commit without them.

    bench/hook.py [--commits N] [--pause SECONDS]

Two scratch repositories, one with devlog's hooks installed and its daemon running, one
without; commits alternate between them so both see the same machine state. --pause
spaces the pairs like a person's commits: the daemon journals a commit ~0.6 s after it
(watchdog holds inotify events 0.5 s to pair renames), so back-to-back commits (--pause 0)
also measure the daemon's work landing inside the next commit.
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


def commit(repo: Path, i: int, env: dict[str, str]) -> float:
    (repo / "file.txt").write_text(f"change {i}\n")
    start = time.perf_counter()
    subprocess.run(["git", "commit", "-q", "-a", "-m", f"change {i}"], cwd=repo, check=True, env=env)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between pairs of commits")
    args = parser.parse_args(argv)
    env = git_env()
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        plain = scratch_repo(Path(tmp) / "plain")
        hooked = scratch_repo(Path(tmp) / "hooked")
        without, with_hooks = [], []
        with daemon_for(hooked, how="install"):
            for i in range(args.commits):
                without.append(commit(plain, i, env))
                with_hooks.append(commit(hooked, i, env))
                time.sleep(args.pause)
        added = statistics.median(with_hooks) - statistics.median(without)
        added90 = percentile(with_hooks, 0.9) - percentile(without, 0.9)
        print(f"pause between pairs:       {args.pause:.2f} s")
        print(f"git commit without hooks:  {summary(without)}")
        print(f"git commit with hooks:     {summary(with_hooks)}")
        print(f"added by the hooks:        median {added * 1000:+.2f} ms, p90 {added90 * 1000:+.2f} ms"
              f"  (goal <= 1 ms, limit 2 ms)")
        print(f"ratio (with / without):    {statistics.median(with_hooks) / statistics.median(without):.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
