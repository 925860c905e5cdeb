"""Shared bits of the benchmarks: scratch repositories and summary statistics."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVLOG = [sys.executable, "-m", "devlogd"]


def compile_bytecode() -> None:
    """Byte-compile the package, as pip does on install, so a benchmark times what a user
    runs and not the compiler (PYTHONDONTWRITEBYTECODE, set on some machines, would
    otherwise make every `devlog` start compile its modules again)."""
    import compileall

    compileall.compile_dir(ROOT / "daemon" / "devlogd", quiet=1)


def scratch_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@x",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    (path / "file.txt").write_text("start\n")
    subprocess.run(["git", "add", "."], cwd=path, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "start"], cwd=path, check=True, env=env)
    return path


def git_env() -> dict[str, str]:
    return {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@x",
            "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@x"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.2f} ms, p90 {percentile(values, 0.9) * 1000:.2f} ms"


@contextmanager
def daemon_for(repo: Path, how: str = "start") -> Iterator[int]:
    """The repository's daemon, started (`devlog daemon start` or `devlog install`) for the
    block and stopped after it; yields its pid."""
    args = ["daemon", "start"] if how == "start" else ["install"]
    subprocess.run([*DEVLOG, "-C", str(repo), *args], check=True, capture_output=True)
    try:
        yield int((repo / ".git" / "devlog" / "daemon.pid").read_text().split()[0])
    finally:
        subprocess.run([*DEVLOG, "-C", str(repo), "daemon", "stop"], capture_output=True)
