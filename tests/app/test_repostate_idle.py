"""A failed reconcile is not activity: the retries after it leave the idle timer running,
so a daemon whose every reconcile fails still exits at its idle timeout."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from devlogd.app.project import Project
from devlogd.app.repostate import RepoState
from tests.gitrepo import GitRepo


def break_user_config() -> None:
    """The user's own config file broken (a repository's is ignored with a warning, the
    user's stops every reconcile with one sentence until it is fixed)."""
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "devlog"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text("[daemon\n")


async def failures_reach(failures: list[str], count: int) -> None:
    while len(failures) < count:
        await asyncio.sleep(0.02)


async def test_a_retry_after_a_failed_reconcile_does_not_keep_the_daemon_awake(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    state = RepoState(Project.open(repo.path))
    state.attach(asyncio.get_running_loop())
    failures: list[str] = []
    state.error_listeners.add(failures.append)
    break_user_config()  # every reconcile fails from here on
    reconciler = asyncio.create_task(state.reconciler())
    try:
        state.nudge("a commit")
        await asyncio.wait_for(failures_reach(failures, 1), 30)
        after_the_failure = state.last_activity
        await asyncio.wait_for(failures_reach(failures, 3), 30)  # two retries
        assert state.last_activity == after_the_failure
        state.nudge("another commit")  # while real events still count
        assert state.last_activity > after_the_failure
    finally:
        reconciler.cancel()
        await asyncio.gather(reconciler, return_exceptions=True)
        state.shutdown_threads()
