#!/usr/bin/env python3
"""The offline draft of a whole history against git-cliff's changelog of the same history,
measured in the same run, interleaved.

    bench/changelog.py REPO [--rounds K]

A local clone of REPO is journaled first (in-process, not timed); then each round times
`git-cliff` (its default configuration) and `devlog --no-daemon draft --narrator offline`,
each writing to /dev/null. Prints wall-clock and CPU (user + system, children included)
ratios, devlog's time / git-cliff's (goal <= 1.0). git-cliff comes from PyPI (`pip install
git-cliff`); the bench says so and stops when it is missing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEVLOG, compile_bytecode  # noqa: E402
from backfill import timed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    cliff = shutil.which("git-cliff") or str(Path(sys.executable).parent / "git-cliff")
    if not Path(cliff).exists():
        print("git-cliff is not installed: pip install git-cliff", file=sys.stderr)
        return 1
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        repo = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "-q", "--local", args.repo, str(repo)], check=True)
        subprocess.run([*DEVLOG, "--no-daemon", "beats", "--limit", "1"], cwd=repo, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cliff_cmd = [cliff, "--output", "/dev/null"]
        devlog_cmd = [*DEVLOG, "--no-daemon", "draft", "--narrator", "offline"]  # the post to /dev/null
        cliff_runs, devlog_runs = [], []
        for _ in range(args.rounds):
            cliff_runs.append(timed(cliff_cmd, repo))
            devlog_runs.append(timed(devlog_cmd, repo))
    commits = "the clone's whole history"
    for name, runs in (("git-cliff (default config)", cliff_runs), ("devlog draft --narrator offline", devlog_runs)):
        print(f"{name}: {statistics.median(w for w, _ in runs):.3f} s wall, "
              f"{statistics.median(c for _, c in runs):.3f} s CPU  ({commits})")
    wall = statistics.median(d[0] / c[0] for c, d in zip(cliff_runs, devlog_runs))
    cpu = statistics.median(d[1] / c[1] for c, d in zip(cliff_runs, devlog_runs))
    print(f"ratio (devlog / git-cliff): wall {wall:.2f}x, CPU {cpu:.2f}x  (goal <= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
