"""Synthetic but realistic histories, written with `git fast-import` (thousands a second).

Used by tests that need a long history and by the backfill benchmark when no real
repository is given. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

AREAS = ["server", "client", "storage", "cli", "docs", "tests"]
VERBS = ["Add", "Fix", "Refactor", "Speed up", "Handle", "Support", "Rename", "Remove"]
NOUNS = ["retry logic", "cache eviction", "config loader", "socket reader", "token bucket",
         "journal writer", "draft renderer", "progress bar", "hook installer", "rate limiter"]
LOW_SIGNAL = ["wip", "idk", "fix", "more", "update"]


def _message(rng: random.Random, i: int) -> str:
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(LOW_SIGNAL)
    subject = f"{rng.choice(VERBS)} {rng.choice(NOUNS)}"
    if roll < 0.45:
        subject = rng.choice(["feat", "fix", "perf", "refactor", "test", "docs"]) + ": " + subject.lower()
    if roll > 0.7:
        n = rng.randint(2, 500)
        subject += f"\n\nThe {rng.choice(NOUNS)} took {n}ms because it re-read the file on every call. " \
                   f"Turns out caching it is enough; now it handles {n * 3} requests."
    return subject


def _file_body(rng: random.Random, area: str, i: int, lines: int) -> str:
    out = [f"# {area} module {i}", f"MAX_{area.upper()}_{i % 7} = {rng.randint(1, 9999)}", ""]
    for f in range(max(1, lines // 6)):
        out.append(f"def {area}_step_{i}_{f}(value):")
        for k in range(4):
            out.append(f"    value = value * {rng.randint(2, 9)} + {k}  # step {k}")
        out.append("    return value")
    return "\n".join(out) + "\n"


def write_history(path: Path, commits: int, seed: int = 7, start: int = 1_600_000_000) -> Path:
    """Create a repository at ``path`` with ``commits`` commits on main."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    rng = random.Random(seed)
    chunks: list[bytes] = []
    when = start
    files: dict[str, int] = {}
    for i in range(commits):
        when += rng.randint(60, 7200)
        msg = _message(rng, i).encode()
        chunks.append(b"commit refs/heads/main\n")
        chunks.append(f"mark :{i + 1}\n".encode())
        chunks.append(f"author Dev Eloper <dev@example.com> {when} +0000\n".encode())
        chunks.append(f"committer Dev Eloper <dev@example.com> {when} +0000\n".encode())
        chunks.append(f"data {len(msg)}\n".encode() + msg + b"\n")
        if i:
            chunks.append(f"from :{i}\n".encode())
        for _ in range(rng.randint(1, 3)):
            area = rng.choice(AREAS)
            name = f"{area}/mod_{rng.randint(0, 40)}.py"
            version = files.get(name, 0) + 1
            files[name] = version
            body = _file_body(rng, area, version, rng.randint(6, 60)).encode()
            chunks.append(f"M 100644 inline {name}\n".encode())
            chunks.append(f"data {len(body)}\n".encode() + body + b"\n")
        chunks.append(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(chunks), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    return path
