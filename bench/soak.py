#!/usr/bin/env python3
"""Hundreds of commits under fault injection (tests/soak.py says which faults).

    bench/soak.py [--commits N] [--seed S]

Prints what was injected and what survived: lost, duplicated and stale beats (commits
rewritten away but still told) must be zero, no
commit may fail, and each failure must have been reported by `devlog status`. The
reference measured in the same run is the slowest commit against the median commit time
of a repository without devlog.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.gitrepo import GitRepo  # noqa: E402
from tests.soak import soak  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    devlog_bin = Path(sys.executable).parent / "devlog"
    if devlog_bin.exists():
        os.environ.setdefault("DEVLOG_BIN", str(devlog_bin))
    with tempfile.TemporaryDirectory(prefix="devlog-soak-") as tmp:
        plain = GitRepo(Path(tmp) / "plain")
        plain.commit("Initial", {"app.py": "VALUE = 0\n"})
        times = []
        for i in range(30):
            (plain.path / "app.py").write_text(f"VALUE = {i + 1}\n")
            plain.git("add", "-A")
            start = time.perf_counter()
            plain.git("commit", "-q", "-m", f"Set VALUE to {i}")
            times.append(time.perf_counter() - start)
        repo = GitRepo(Path(tmp) / "soaked")
        try:
            report = soak(repo, args.commits, args.seed)
        finally:
            subprocess.run([sys.executable, "-m", "devlogd", "-C", str(repo.path), "daemon", "stop"],
                           capture_output=True)
    ok = report.lost == 0 and report.duplicated == 0 and report.stale == 0 and report.failed_commits == 0
    print(f"commits: {report.commits}; daemon killed {report.kills}x, queue corrupted {report.corrupt_queue_lines}x, "
          f"disk full during {report.disk_full_commits} commits, history rewritten {report.rewrites}x")
    print(f"lost beats: {report.lost}, duplicated: {report.duplicated}, stale: {report.stale}, corrupt journal lines: "
          f"{report.journal_corrupt_lines}, failed commits: {report.failed_commits}")
    print(f"failures reported by devlog status: {len(report.errors_reported)}"
          + (f" (e.g. {report.errors_reported[0]!r})" if report.errors_reported else ""))
    median = statistics.median(times)
    print(f"slowest commit under faults: {report.slowest_commit * 1000:.1f} ms, "
          f"ratio {report.slowest_commit / median:.1f}x a plain commit ({median * 1000:.1f} ms)")
    print("result: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
