#!/usr/bin/env python3
"""Every benchmark, one after the other: the README's performance table, reproduced.

    bench/all.py [--quick] [--repo PATH]

--repo gives bench/backfill.py a real history (default: a synthetic one). --quick runs
smaller sizes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repo")
    args = parser.parse_args(argv)
    q = args.quick
    runs = [
        ("backfill", ["backfill.py", *([args.repo] if args.repo else ["--commits", "5000" if q else "20000"]), "--rounds", "1" if q else "3"]),
        ("redaction", ["redact.py", *([args.repo] if args.repo else ["--commits", "1000" if q else "3000"]), "--rounds", "3" if q else "5"]),
        ("hooks", ["hook.py", "--commits", "50" if q else "200"]),
        ("commit -> beat", ["latency.py", "--commits", "15" if q else "50"]),
        ("status round trip", ["status.py", "--runs", "10" if q else "30"]),
        ("draft assembly", ["draft.py"]),
        ("journal load", ["journal.py"]),
        ("idle daemon", ["idle.py", "--seconds", "5" if q else "20"]),
        ("patterns on hostile input", ["regex.py", "--size", "1000" if q else "4000"]),
        ("soak", ["soak.py", "--commits", "60" if q else "300"]),
    ]
    failed = 0
    for title, cmd in runs:
        print(f"\n## {title}  (bench/{cmd[0]})", flush=True)
        result = subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]])
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
