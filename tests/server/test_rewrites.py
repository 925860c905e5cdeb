"""The journal tells exactly the commits reachable from the branches, whatever git does:
amends, rebases that replay commits unchanged, cherry-picks, merges, resets, and a daemon
killed at any moment."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import track_daemon
from tests.daemonutil import devlog
from tests.server.rewrites import LiveRepo


def automatic_journaling_scenario(repo: LiveRepo) -> None:
    """The scenario of the automatic-journaling issue, as a user runs it."""
    repo.commit("Initial")
    repo.install()
    repo.stop_daemon()
    repo.commit("Quiet one", quiet=True)  # the daemon is down and the hook is off
    repo.commit("Quiet two", quiet=True)
    repo.commit("Wakes the daemon")
    repo.wait_daemon()
    repo.kill_daemon()
    repo.commit("After the crash")
    repo.commit("Typo in messsage")
    repo.git("commit", "-q", "--amend", "-m", "Fix the message of the amended change")
    repo.git("checkout", "-q", "-b", "side", "HEAD~2")
    repo.commit("Side one")
    repo.commit("Side two")
    repo.git("checkout", "-q", "main")
    repo.git("cherry-pick", "side")
    repo.git("rebase", "-q", "--force-rebase", "HEAD~4")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side")


def test_the_rewrite_scenario_ends_exact_every_time(tmp_path: Path) -> None:
    repos = [LiveRepo(tmp_path / f"run{run}") for run in range(20)]
    for repo in repos:
        track_daemon(repo.path)

    def run(repo: LiveRepo) -> None:
        automatic_journaling_scenario(repo)
        repo.assert_exact()
        repo.kill_daemon()

    # Four at a time: each run mostly waits on git and the daemon.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(run, repos))


# -- random sequences ---------------------------------------------------------------------

EDITORS = {  # GIT_SEQUENCE_EDITOR scripts for interactive rebases
    "drop": "sed -i '1d'",
    "fixup": "sed -i '2s/^pick/fixup/'",
    "reverse": "sh -c 'grep -v \"^#\" \"$1\" | grep . | tac > \"$1.t\" && mv \"$1.t\" \"$1\"' --",
    "keep": "true",
}

ops = st.one_of(
    st.tuples(st.just("commit"), st.booleans()),
    st.tuples(st.just("amend"), st.just(0)),
    st.tuples(st.just("branch"), st.integers(0, 3)),
    st.tuples(st.just("checkout"), st.integers(0, 3)),
    st.tuples(st.just("cherry-pick"), st.integers(0, 3)),
    st.tuples(st.just("merge"), st.integers(0, 3)),
    st.tuples(st.just("rebase"), st.integers(1, 4)),
    st.tuples(st.just("rebase -i"), st.sampled_from(sorted(EDITORS))),
    st.tuples(st.just("reset"), st.integers(1, 3)),
    st.tuples(st.just("delete"), st.integers(0, 3)),
    st.tuples(st.just("detach"), st.just(0)),
    st.tuples(st.just("kill"), st.integers(0, 150)),
)


class World:
    """One repository and daemon for the whole run; each sequence starts from its root."""

    def __init__(self, path: Path) -> None:
        self.repo = LiveRepo(path)
        track_daemon(path)
        repo = self.repo
        for n in range(5):
            repo.commit(f"Base {n}")
        repo.git("checkout", "-q", "-b", "side", "HEAD~2")
        repo.commit("Side 1")
        repo.commit("Side 2")
        repo.git("checkout", "-q", "main")
        self.base = {"main": repo.git("rev-parse", "main"), "side": repo.git("rev-parse", "side")}
        repo.install()
        self.kills: list[threading.Timer] = []

    def reset(self) -> None:
        """Back to the same two branches (itself a reset the journal must follow)."""
        repo = self.repo
        repo.git("checkout", "-q", "-f", "-B", "main", self.base["main"])
        repo.git("branch", "-q", "-f", "side", self.base["side"])
        for branch in self.branches():
            if branch not in self.base:
                repo.git("branch", "-q", "-D", branch)

    def branches(self) -> list[str]:
        return self.repo.git("for-each-ref", "--format=%(refname:short)", "refs/heads").split()

    def depth(self) -> int:
        return int(self.repo.git("rev-list", "--first-parent", "--count", "HEAD"))

    def pick(self, index: int) -> str | None:
        others = [b for b in self.branches() if b != self.current()]
        return others[index % len(others)] if others else None

    def current(self) -> str:
        return self.repo.git("branch", "--show-current")

    def apply(self, op: str, arg: object) -> None:
        repo = self.repo
        if op == "commit":
            repo.commit("Work", quiet=bool(arg))
        elif op == "amend":
            repo.git("commit", "-q", "--amend", "--allow-empty", "-m", f"Amended {repo.serial}")
        elif op == "branch":
            start = f"HEAD~{min(int(arg), self.depth() - 1)}"  # type: ignore[call-overload]
            name = f"b{repo.serial}"
            repo.git("checkout", "-q", "-b", name, start)
            repo.commit("Branch work")
        elif op in ("checkout", "cherry-pick", "merge", "delete"):
            other = self.pick(int(arg))  # type: ignore[call-overload]
            if other is None:
                return
            if op == "checkout":
                repo.git("checkout", "-q", other)
            elif op == "cherry-pick":
                repo.git("cherry-pick", "--allow-empty", "--keep-redundant-commits", other, check=False)
                repo.git("cherry-pick", "--abort", check=False)
            elif op == "merge":
                repo.git("merge", "-q", "--no-ff", "-m", f"Merge {other}", other, check=False)
                repo.git("merge", "--abort", check=False)
            else:
                repo.git("branch", "-q", "-D", other)
        elif op in ("rebase", "rebase -i", "reset"):
            depth = self.depth()
            count = 2 if op == "rebase -i" else int(arg)  # type: ignore[call-overload]
            if depth <= count:
                return
            if op == "reset":
                repo.git("reset", "-q", "--hard", f"HEAD~{count}")
            elif op == "rebase":
                repo.git("rebase", "-q", "--force-rebase", f"HEAD~{count}", check=False)
            else:
                env = {"GIT_SEQUENCE_EDITOR": EDITORS[str(arg)], "GIT_EDITOR": "true"}
                repo.git("rebase", "-q", "-i", "--force-rebase", f"HEAD~{count}", env=env, check=False)
            repo.git("rebase", "--abort", check=False)
        elif op == "detach":
            repo.git("checkout", "-q", "--detach")
            repo.commit("Detached work")
            repo.git("checkout", "-q", "-")
        elif op == "kill":  # lands in the middle of whatever follows
            timer = threading.Timer(int(arg) / 1000, repo.kill_daemon)  # type: ignore[call-overload]
            timer.start()
            self.kills.append(timer)

    def settle_kills(self) -> None:
        for timer in self.kills:
            timer.join()
        self.kills.clear()


def test_random_rewrites_and_kills_leave_the_journal_exact(tmp_path: Path) -> None:
    world = World(tmp_path / "repo")

    @settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(sequence=st.lists(ops, min_size=1, max_size=6))
    def holds(sequence: list[tuple[str, object]]) -> None:
        world.reset()
        for op, arg in sequence:
            world.apply(op, arg)
        world.settle_kills()
        world.repo.assert_exact()

    holds()


def test_without_a_daemon_the_views_tell_the_same_commits(tmp_path: Path) -> None:
    # In-process views journal what the branches reach, side branches and merged work
    # included, just as the daemon does.
    repo = LiveRepo(tmp_path / "repo")
    repo.commit("Initial")
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("Side work")
    repo.git("checkout", "-q", "main")
    repo.commit("Main work")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side")
    repo.git("branch", "-q", "-D", "side")
    repo.commit("Typo")
    repo.git("commit", "-q", "--amend", "-m", "Fixed")
    out = devlog(repo.path, "--no-daemon", "beats", "--json").stdout
    told = [json.loads(line)["sha"] for line in out.splitlines()]
    assert sorted(told) == sorted(repo.reachable())
