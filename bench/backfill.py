#!/usr/bin/env python3
"""Backfill speed against git itself, measured in the same run.

    bench/backfill.py [REPO] [--workers N] [--rounds K]

With REPO, a local clone of it is backfilled (the original is never written to); without,
a synthetic history of 20,000 commits is generated. Two runs, each beside git over the same
commits, interleaved so both see the same machine:

* `devlog backfill` (the current branch's first-parent line) against
  `git log --first-parent --numstat`;
* every commit the branches reach, as a first `devlog beats` or `draft` journals them
  (`devlog --no-daemon beats --limit 1` on an empty journal) against `git log --numstat`.

Prints wall-clock and CPU (user + system, children included) ratios: git's time / devlog's
(1.0 = as fast as git; higher is faster). On a shared machine the CPU ratio is the steadier.
With --profile, one more reachable run in-process under cProfile, its top functions printed.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compare(name: str, git_cmd: list[str], devlog_cmd: list[str], repo: Path, state: Path, count: int,
            rounds: int) -> None:
    git_runs, devlog_runs = [], []
    for _ in range(rounds):  # interleaved so both see the same machine state
        git_runs.append(timed(git_cmd, repo))
        shutil.rmtree(state, ignore_errors=True)
        devlog_runs.append(timed(devlog_cmd, repo))
    git_wall, devlog_wall = (statistics.median(w for w, _ in runs) for runs in (git_runs, devlog_runs))
    git_cpu, devlog_cpu = (statistics.median(c for _, c in runs) for runs in (git_runs, devlog_runs))
    walls = sorted(g[0] / d[0] for g, d in zip(git_runs, devlog_runs))
    print(f"{name}: {count} commits")
    print(f"  {' '.join(git_cmd)}: {git_wall:.3f} s wall, {git_cpu:.3f} s CPU")
    print(f"  {' '.join(devlog_cmd[2:])}: {devlog_wall:.3f} s wall, {devlog_cpu:.3f} s CPU"
          f"  ({count / devlog_wall:,.0f} beats/s)")
    print(f"  ratio (git / devlog): wall {git_wall / devlog_wall:.2f}x (runs {walls[0]:.2f}-{walls[-1]:.2f}), "
          f"CPU {git_cpu / devlog_cpu:.2f}x  (goal >= 1.0)")


def profile(repo: Path, state: Path) -> None:
    import cProfile
    import pstats

    from devlogd.app.project import Project
    from devlogd.cli.backend import journal_missing
    from devlogd.cli.progress import Progress

    shutil.rmtree(state, ignore_errors=True)
    os.environ["DEVLOG_WORKERS"] = "1"  # in this process, where the profiler sees it
    project = Project.open(repo)
    profiler = cProfile.Profile()
    profiler.runcall(journal_missing, project, Progress(summary=False))
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(r"devlogd|pygit2|re2", 30)
    stats.sort_stats("tottime").print_stats(20)


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
    parser.add_argument("--profile", action="store_true", help="profile one reachable run in-process")
    args = parser.parse_args(argv)
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        repo = prepare(args.repo, Path(tmp), args.commits)

        def counted(*spec: str) -> int:
            return int(subprocess.run(["git", "rev-list", "--count", *spec], cwd=repo, capture_output=True,
                                      text=True, check=True).stdout)

        devlog_cmd = [sys.executable, "-m", "devlogd", "backfill"]
        if args.workers:
            devlog_cmd += ["--workers", str(args.workers)]
        state = repo / "devlog" if (repo / "HEAD").exists() else repo / ".git" / "devlog"
        compare("first-parent backfill", ["git", "log", "--first-parent", "--numstat", "HEAD"], devlog_cmd,
                repo, state, counted("--first-parent", "HEAD"), args.rounds)
        compare("every reachable commit", ["git", "log", "--numstat", "--branches", "HEAD"],
                [sys.executable, "-m", "devlogd", "--no-daemon", "beats", "--limit", "1"],
                repo, state, counted("--branches", "HEAD"), args.rounds)
        if args.profile:
            profile(repo, state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
