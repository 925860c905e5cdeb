#!/usr/bin/env python3
"""`devlog status` round trip to a running daemon against a bare Python start.

    bench/status.py [--runs N]

The reference is `python -c "import json, socket"`: the least any Python client costs.
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
    args = parser.parse_args(argv)
    compile_bytecode()
    devlog_bin = Path(sys.executable).parent / "devlog"
    status_cmd = [str(devlog_bin), "status"] if devlog_bin.exists() else [*DEVLOG, "status"]
    with tempfile.TemporaryDirectory(prefix="devlog-bench-") as tmp:
        repo = scratch_repo(Path(tmp) / "repo")
        bare, status = [], []
        with daemon_for(repo):
            for _ in range(args.runs):
                bare.append(timed([sys.executable, "-c", "import json, socket"], repo))
                status.append(timed(status_cmd, repo))
        print(f"python -c 'import json, socket': {summary(bare)}")
        print(f"devlog status (daemon running):  {summary(status)}")
        print(f"ratio:                           {statistics.median(status) / statistics.median(bare):.2f}x"
              "  (limit 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
