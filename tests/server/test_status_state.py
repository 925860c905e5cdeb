"""The daemon answers from what it knows: a read request reconciles only when a ref or the
hook's queue moved since the last reconcile, and `devlog status --fresh` forces one."""

from __future__ import annotations

import json

from tests.daemonutil import devlog, status, wait_settled
from tests.gitrepo import GitRepo


def beats(repo: GitRepo) -> list[str]:
    return [json.loads(line)["sha"] for line in devlog(repo.path, "beats", "--json").stdout.splitlines()]


def test_reads_answer_from_memory_until_the_branches_move(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start")
    wait_settled(repo.path, expect=1)
    before = status(repo.path)["reconciles"]
    assert len(beats(repo)) == 1 and len(beats(repo)) == 1
    assert status(repo.path)["reconciles"] == before, "a read reconciled though nothing moved"
    fresh = json.loads(devlog(repo.path, "status", "--fresh", "--json").stdout)
    assert fresh["reconciles"] == before + 1
    # A commit, then a read at once: the answer is never behind the branches.
    second = repo.commit("Second", {"b.py": "b = 1\n"})
    assert beats(repo)[-1] == second
    repo.git("branch", "side")
    repo.git("checkout", "-q", "side")
    third = repo.commit("On a side branch", {"c.py": "c = 1\n"})
    assert third in beats(repo)
