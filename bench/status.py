#!/usr/bin/env python3
"""`devlog status` round trip to a running daemon against a bare Python client doing the
same round trip (bench/bare_client.py: initialize, the status command, standard library
only), both measured in the same run, interleaved.

    bench/status.py [--runs N] [REPO]

With REPO (say a clone of pallets/flask) its clone is asked, journal and all; without, a
one-commit scratch repository. The goal is devlog status <= 1.5x the bare client.
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
from _common import DEVLOG, compile_bytecode, daemon_for, scratch_repo, summary  # noqa: E402


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("repo", nargs="?")
    args = parser.parse_args(argv)
    compile_bytecode()
    devlog_bin = Path(sys.executable).parent / "devlog"
    status_cmd = [str(devlog_bin), "status"] if devlog_bin.exists() else [*DEVLOG, "status"]
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        if args.repo:
            repo = Path(tmp) / "repo"
            subprocess.run(["git", "clone", "-q", "--local", args.repo, str(repo)], check=True)
        else:
            repo = scratch_repo(Path(tmp) / "repo")
        bare_client = [sys.executable, str(Path(__file__).resolve().parent / "bare_client.py"),
                       str(repo / ".git" / "devlog" / "daemon.sock")]
        start, bare, status = [], [], []
        # Journal the history first (in this process: no client timeout), then ask a daemon
        # that has it all, as after a first draft.
        subprocess.run([*DEVLOG, "--no-daemon", "beats", "--limit", "1"], cwd=repo, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with daemon_for(repo):
            subprocess.run([*status_cmd, "--fresh"], cwd=repo, check=True, stdout=subprocess.DEVNULL)
            for _ in range(args.runs):  # interleaved: both see the same machine
                start.append(timed([sys.executable, "-c", "import json, socket"], repo))
                bare.append(timed(bare_client, repo))
                status.append(timed(status_cmd, repo))
        ratio = statistics.median(status) / statistics.median(bare)
        print(f"python -c 'import json, socket':  {summary(start)}")
        print(f"bare client, same round trip:     {summary(bare)}")
        print(f"devlog status (daemon running):   {summary(status)}")
        print(f"ratio to the bare client:         {ratio:.2f}x  (goal <= 1.5x)")
        print(f"ratio to a bare Python start:     {statistics.median(status) / statistics.median(start):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
