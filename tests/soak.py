"""Fault injection while commits keep coming: the core of bench/soak.py and its short test.

Between commits, at random: the daemon is killed with SIGKILL, garbage is appended to the
queue, or the daemon's file-size limit is set to the journal's current size (a full disk)
for a few commits; and the history is rewritten now and then (an amend, a reset that drops
the last commit). Afterwards the journal must tell every reachable commit exactly once and
nothing else (no stale beat of a commit rewritten away), parse cleanly, and no commit may
have failed or hung.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import time
from dataclasses import dataclass, field

from tests.daemonutil import devlog, wait_settled
from tests.gitrepo import GitRepo


@dataclass
class SoakReport:
    commits: int = 0
    kills: int = 0
    corrupt_queue_lines: int = 0
    disk_full_commits: int = 0
    failed_commits: int = 0
    slowest_commit: float = 0.0
    errors_reported: list[str] = field(default_factory=list)
    rewrites: int = 0
    lost: int = 0
    duplicated: int = 0
    stale: int = 0
    journal_corrupt_lines: int = 0


def _daemon_pid(repo: GitRepo) -> int | None:
    try:
        pid = int((repo.common_dir / "devlog" / "daemon.pid").read_text().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _set_soft_fsize(pid: int, limit: int) -> None:
    """Only the soft limit moves: raising a hard limit again needs a capability."""
    _soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    if hard != resource.RLIM_INFINITY and (limit == resource.RLIM_INFINITY or limit > hard):
        limit = hard  # RLIM_INFINITY is -1: min() would pick it
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))


def soak(repo: GitRepo, commits: int, seed: int = 7) -> SoakReport:
    rng = random.Random(seed)
    report = SoakReport()
    repo.commit("Initial", {"app.py": "VALUE = 0\n"})
    devlog(repo.path, "install")
    journal = repo.common_dir / "devlog" / "journal.jsonl"
    full_until = -1
    for i in range(commits):
        pid = _daemon_pid(repo)
        roll = rng.random()
        if pid and roll < 0.08:
            os.kill(pid, signal.SIGKILL)
            report.kills += 1
        elif roll < 0.18:
            with open(repo.common_dir / "devlog" / "queue", "ab") as queue:
                queue.write(rng.choice([b"commit zzzz\n", b"\xff\xfe garbage\n", b"rewrite a b c d\n", b"commit "]))
            report.corrupt_queue_lines += 1
        elif pid and roll < 0.23 and full_until < i:
            size = journal.stat().st_size if journal.exists() else 0
            _set_soft_fsize(pid, size)
            full_until = i + rng.randint(2, 5)
        if i == full_until:
            pid = _daemon_pid(repo)
            if pid:
                _set_soft_fsize(pid, resource.RLIM_INFINITY)
        if i <= full_until:
            report.disk_full_commits += 1
        (repo.path / "app.py").write_text(f"VALUE = {i + 1}\n")
        repo.git("add", "-A")
        repo.clock += 60
        rewrite = rng.random()
        if i and rewrite < 0.06:
            repo.git("reset", "-q", "--soft", "HEAD~1")  # the last commit is dropped, then redone
            report.rewrites += 1
        started = time.perf_counter()
        try:
            if i and 0.06 <= rewrite < 0.12:
                repo.git("commit", "-q", "--amend", "-m", f"Set VALUE to {i} (amended)")
                report.rewrites += 1
            else:
                repo.git("commit", "-q", "-m", f"Set VALUE to {i}")
        except AssertionError:
            report.failed_commits += 1
        report.slowest_commit = max(report.slowest_commit, time.perf_counter() - started)
        report.commits += 1
        if full_until > i and _daemon_pid(repo):
            # The failure must be said, not swallowed: wait for the daemon to report it.
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                info = json.loads(devlog(repo.path, "status", "--json").stdout)
                if info.get("last_error"):
                    report.errors_reported.append(info["last_error"])
                    break
                time.sleep(0.1)
    pid = _daemon_pid(repo)
    if pid:
        _set_soft_fsize(pid, resource.RLIM_INFINITY)
    expected = set(repo.git("rev-list", "--branches").split())
    info = wait_settled(repo.path, timeout=120)
    shas = [json.loads(line)["sha"] for line in devlog(repo.path, "beats", "--json").stdout.splitlines()]
    report.lost = len(expected - set(shas))
    report.duplicated = len(shas) - len(set(shas))
    report.stale = len(set(shas) - expected)
    report.journal_corrupt_lines = info.get("corrupt_lines", 0)
    return report

