"""A short soak: commits keep coming while the daemon is killed, its disk fills and its
queue is corrupted. bench/soak.py runs the long version."""

from __future__ import annotations

from tests.gitrepo import GitRepo
from tests.soak import soak


def test_nothing_lost_nothing_duplicated_nothing_stale_no_commit_failed(repo: GitRepo) -> None:
    report = soak(repo, commits=40, seed=11)
    assert report.kills and report.corrupt_queue_lines and report.disk_full_commits  # faults happened
    assert report.rewrites  # and the history was rewritten
    assert report.failed_commits == 0
    assert report.lost == 0 and report.duplicated == 0 and report.stale == 0
    assert report.journal_corrupt_lines == 0
    assert report.errors_reported and all("File too large" in e for e in report.errors_reported)
    # A commit that hung would fail (tests/soak.py commits under a generous time-out, a guard
    # against a hang, not a speed goal: bench/soak.py reports the slowest commit as a ratio).
