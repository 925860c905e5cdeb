"""A daemon whose repository is deleted or moved under it leaves within seconds, re-creates
nothing, and takes its socket and pid file with it; a daemon whose every reconcile fails
still leaves at its idle timeout. Times are polled with a generous bound and printed
(run with -s to see them), never asserted tightly."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from devlogd.paths import AF_UNIX_PATH_MAX, find_repo
from tests.daemonutil import daemon_pid, devlog, wait_pid_gone
from tests.gitrepo import GitRepo


def break_user_config() -> None:
    """The user's own config file broken (a repository's is ignored with a warning, the
    user's stops every reconcile with one sentence until it is fixed)."""
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "devlog"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text("[daemon\n")

BOUND = 30.0  # the goal is 5 s; a loaded machine gets room, and the time taken is printed


def gone_after(pid: int, since: float, what: str) -> float:
    wait_pid_gone(pid, timeout=BOUND)
    took = time.monotonic() - since
    print(f"{what}: the daemon was gone {took:.2f}s later")
    return took


def started(repo: GitRepo) -> int:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start")
    pid = daemon_pid(repo.path)
    assert pid is not None
    return pid


def test_a_deleted_repository_takes_its_daemon_and_its_socket_outside_it_along(tmp_path: Path) -> None:
    # A path too long for AF_UNIX puts the socket outside the repository, under
    # $XDG_RUNTIME_DIR: the daemon itself must remove it.
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    repo = GitRepo(deep / "repo")
    paths = find_repo(repo.path)
    assert len(os.fsencode(paths.state_dir / "daemon.sock")) > AF_UNIX_PATH_MAX
    socket_path = paths.socket
    pid = started(repo)
    assert socket_path.exists() and not socket_path.is_relative_to(repo.path)
    since = time.monotonic()
    shutil.rmtree(repo.path)
    gone_after(pid, since, "deleted")
    assert not repo.path.exists(), "the daemon made its deleted repository's folders again"
    assert not socket_path.exists()


def test_a_deleted_repository_with_packed_refs_only_is_noticed_too(repo: GitRepo) -> None:
    # No loose ref to delete: no event the watcher hears, so the periodic look finds it.
    pid = started(repo)
    repo.git("pack-refs", "--all")
    since = time.monotonic()
    shutil.rmtree(repo.path / ".git")
    gone_after(pid, since, "deleted .git (packed refs)")
    assert not (repo.path / ".git").exists()


def test_a_moved_repository_takes_its_daemon_and_leaves_its_new_place_clean(repo: GitRepo, tmp_path: Path) -> None:
    pid = started(repo)
    moved = tmp_path / "elsewhere" / "repo"
    moved.parent.mkdir()
    since = time.monotonic()
    repo.path.rename(moved)
    gone_after(pid, since, "moved")
    state = moved / ".git" / "devlog"
    assert not repo.path.exists(), "the daemon made its old folders again"
    assert not (state / "daemon.sock").exists() and not (state / "daemon.pid").exists()
    assert f"moved to {state}" in (state / "daemon.log").read_text()
    # The first status in the new place says what happened, once.
    first = devlog(moved, "status")
    assert f"moved here from {repo.path} while its daemon ran" in first.stderr
    assert "repository: " + str(moved) in first.stdout
    assert "moved here" not in devlog(moved, "status").stderr


def test_a_daemon_whose_every_reconcile_fails_still_exits_at_its_idle_timeout(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start", env={"DEVLOG_IDLE_TIMEOUT": "3"})
    pid = daemon_pid(repo.path)
    assert pid is not None
    # A configuration broken after start fails every reconcile from here on; a commit
    # (real activity) asks for one.
    break_user_config()
    repo.commit("Second", {"b.py": "b = 1\n"})
    since = time.monotonic()
    gone_after(pid, since, "every reconcile failing, idle timeout 3 s")
    log = (repo.path / ".git" / "devlog" / "daemon.log").read_text()
    assert "reconcile failed" in log and "idle for" in log
