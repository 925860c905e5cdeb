#!/usr/bin/env python3
"""What the code reader costs a backfill, as a ratio measured in one run.

    bench/code_reader.py REPO [--today REV] [--rounds K] [--commits N]

REPO is cloned (bare, local) once per backfill; the same `devlog --no-daemon backfill` runs
with this tree's package and with the package as it was before the code reader came in
(``--today``, by default the parent of the commit that added pipeline/code.py), unpacked
from git. Prints both times and their ratio (the goal is at most 1.3x on a history of
5.5k commits, pallets/flask's); then the hostile inputs' read time at n and 2n, which
stays about 2x when reading is linear.
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
sys.path.insert(0, str(ROOT / "daemon"))


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def today_package(rev: str, into: Path) -> Path:
    """The package at ``rev``, unpacked under ``into``; returns the folder to put on sys.path."""
    archive = subprocess.run(["git", "archive", rev, "daemon/devlogd"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "daemon"


def backfill_seconds(repo: str, package: Path, scratch: Path, label: str) -> float:
    clone = scratch / f"clone-{label}"
    subprocess.run(["git", "clone", "-q", "--local", "--no-checkout", repo, str(clone)], check=True)
    env = {**os.environ, "PYTHONPATH": str(package), "XDG_CONFIG_HOME": str(scratch / "config")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "devlogd", "-C", str(clone), "--no-daemon", "backfill"], env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.perf_counter() - start
    subprocess.run(["rm", "-rf", str(clone)], check=True)
    return took


def hostile_ratios() -> list[str]:
    from devlogd.pipeline import code

    def seconds(data: bytes, path: str) -> float:
        start = time.perf_counter()
        code.read(data, path, references=True)
        return time.perf_counter() - start

    cases = {
        "30,000-space comment line (C)": lambda n: (b"//" + b" " * n + b"x\nint f(void) { return 0; }\n", "a.c"),
        "30,000-space comment line (line fallback)": lambda n: (b"#" + b" " * n + b"x\nsub f {\n}\n", "a.pl"),
        "100,000-deep braces (C)": lambda n: (b"void f(void) " + b"{" * n + b"}" * n, "a.c"),
        "100,000-deep brackets (Python)": lambda n: (b"x = " + b"[" * n + b"]" * n, "a.py"),
        "a 5 MB line (C, over the size cap)": lambda n: (b"int x = " + b"1+" * (n * 25) + b"1;", "a.c"),
        "a binary with a .c extension": lambda n: (b"\x7fELF\x00" + bytes(range(256)) * (n // 25), "a.c"),
    }
    lines = []
    for name, make in cases.items():
        small = min(seconds(*make(50_000)) for _ in range(3))
        large = min(seconds(*make(100_000)) for _ in range(3))
        lines.append(f"{name}: {small * 1000:.1f} ms at n, {large * 1000:.1f} ms at 2n, ratio {large / small:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo")
    parser.add_argument("--today", default="")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    added = _git("log", "--diff-filter=A", "--format=%H", "--", "daemon/devlogd/pipeline/code.py").split()
    today = args.today or (added[-1] + "^" if added else "HEAD")
    commits = _git("rev-list", "--first-parent", "--count", "HEAD", cwd=Path(args.repo))
    print(f"{commits} commits of {args.repo}; today = {today}")
    with tempfile.TemporaryDirectory(prefix="devlog-code-bench-") as tmp:
        scratch = Path(tmp)
        old = today_package(_git("rev-parse", today), scratch)
        befores, afters = [], []
        for round_ in range(args.rounds):  # alternated, so a busy machine weighs on both alike
            befores.append(backfill_seconds(args.repo, old, scratch, f"today{round_}"))
            afters.append(backfill_seconds(args.repo, ROOT / "daemon", scratch, f"reader{round_}"))
        before, after = statistics.median(befores), statistics.median(afters)
        print(f"backfill today: {before:.1f} s; with the code reader: {after:.1f} s; ratio {after / before:.2f}")
    for line in hostile_ratios():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
