#!/usr/bin/env python3
"""An idle daemon must not poll: its CPU time and memory over a quiet stretch.

    bench/idle.py [--seconds N]

The reference measured in the same run is `sleep` for the same stretch (0 CPU seconds):
the daemon's CPU use is printed as a share of one core.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import daemon_for, scratch_repo  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        repo = scratch_repo(Path(tmp) / "repo")
        with daemon_for(repo) as pid:
            time.sleep(2)  # let start-up work finish
            before, wall = cpu_seconds(pid), time.monotonic()
            time.sleep(args.seconds)
            used, elapsed = cpu_seconds(pid) - before, time.monotonic() - wall
            memory = rss_mb(pid)
        print(f"idle daemon over {elapsed:.0f} s: {used:.3f} CPU s ({100 * used / elapsed:.2f}% of a core; "
              f"`sleep` uses 0), resident memory {memory:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
