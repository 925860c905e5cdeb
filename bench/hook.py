#!/usr/bin/env python3
"""What the hooks add to `git commit`, measured against the same commit without them.

    bench/hook.py [--commits N] [--pause SECONDS]

Three scratch repositories: one with devlog's hooks installed and its daemon running, one
without hooks, and one whose post-commit hook is an empty `#!/bin/sh` script, the least any
hook can cost (git forking and waiting for a shell). Each round commits once in each, in a
shuffled order, so all three see the same machine state. --pause spaces the rounds like a
person's commits: the daemon journals a commit ~0.6 s after it (watchdog holds inotify
events 0.5 s to pair renames), so back-to-back commits (--pause 0) also measure the
daemon's work landing inside a later commit.
"""

from __future__ import annotations

import argparse
import os
import random
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
        repos = {name: scratch_repo(Path(tmp) / name) for name in ("plain", "empty", "hooked")}
        empty_hook = repos["empty"] / ".git" / "hooks" / "post-commit"
        empty_hook.write_text("#!/bin/sh\nexit 0\n")
        os.chmod(empty_hook, 0o755)
        times: dict[str, list[float]] = {name: [] for name in repos}
        order = list(repos)
        with daemon_for(repos["hooked"], how="install"):
            for i in range(args.commits):
                random.shuffle(order)
                for name in order:
                    times[name].append(commit(repos[name], i, env))
                time.sleep(args.pause)
        without, empty, with_hooks = times["plain"], times["empty"], times["hooked"]
        added = statistics.median(with_hooks) - statistics.median(without)
        added90 = percentile(with_hooks, 0.9) - percentile(without, 0.9)
        floor = statistics.median(empty) - statistics.median(without)
        print(f"pause between rounds:      {args.pause:.2f} s")
        print(f"git commit without hooks:  {summary(without)}")
        print(f"git commit, empty hook:    {summary(empty)}")
        print(f"git commit with hooks:     {summary(with_hooks)}")
        print(f"added by the hooks:        median {added * 1000:+.2f} ms, p90 {added90 * 1000:+.2f} ms"
              f"  (goal <= 1 ms, limit 2 ms)")
        print(f"  of which any hook costs: median {floor * 1000:+.2f} ms (an empty #!/bin/sh hook)")
        print(f"  and devlog's own share:  median {(added - floor) * 1000:+.2f} ms")
        print(f"ratio (with / without):    {statistics.median(with_hooks) / statistics.median(without):.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
