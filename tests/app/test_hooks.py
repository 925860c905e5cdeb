"""`devlog install` / `uninstall` on real repositories, beside other tools' hooks."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devlogd.app.hooks import CHAINED, install, is_ours, uninstall
from devlogd.paths import find_repo
from tests.daemonutil import daemon_pid, devlog, wait_settled
from tests.gitrepo import GitRepo

FOREIGN = "#!/bin/sh\n# someone else's hook\necho \"foreign ran: $1\" >> \"$(git rev-parse --git-dir)/foreign.log\"\n"


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture
def hooks(repo: GitRepo) -> Path:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    directory = repo.path / ".git" / "hooks"
    for sample in directory.glob("*.sample"):
        sample.unlink()
    return directory


def test_install_into_a_fresh_repository(repo: GitRepo, hooks: Path) -> None:
    install(find_repo(repo.path), devlog_bin="/opt/devlog/bin/devlog")
    for name in ("post-commit", "post-rewrite"):
        hook = hooks / name
        assert is_ours(hook) and os.access(hook, os.X_OK)
        text = hook.read_text()
        assert "DEVLOG_BIN='/opt/devlog/bin/devlog'" in text
        assert f"DEVLOG_STATE='{repo.path / '.git' / 'devlog'}'" in text


def test_install_is_idempotent(repo: GitRepo, hooks: Path) -> None:
    paths = find_repo(repo.path)
    install(paths, devlog_bin="/x/devlog")
    first = snapshot(hooks)
    changes = install(paths, devlog_bin="/x/devlog")
    assert snapshot(hooks) == first
    assert all(c.action == "updated" for c in changes)


def test_existing_hook_is_chained_and_still_runs(repo: GitRepo, hooks: Path) -> None:
    (hooks / "post-commit").write_text(FOREIGN)
    (hooks / "post-commit").chmod(0o755)
    install(find_repo(repo.path), devlog_bin="/nonexistent/devlog")
    assert (hooks / f"post-commit{CHAINED}").read_text() == FOREIGN
    sha = repo.commit("Second", {"b.py": "b = 1\n"})
    assert "foreign ran" in (repo.path / ".git" / "foreign.log").read_text()
    assert f"commit {sha}" in (repo.path / ".git" / "devlog" / "queue").read_text()


def test_uninstall_restores_the_previous_hook_exactly(repo: GitRepo, hooks: Path) -> None:
    (hooks / "post-rewrite").write_text(FOREIGN)
    (hooks / "post-rewrite").chmod(0o750)
    before = snapshot(hooks)
    paths = find_repo(repo.path)
    install(paths, devlog_bin="/x/devlog")
    uninstall(paths)
    assert snapshot(hooks) == before


def test_uninstall_doesnt_remove_not_our_hooks(repo: GitRepo, hooks: Path) -> None:
    (hooks / "post-commit").write_text(FOREIGN)
    before = snapshot(hooks)
    changes = uninstall(find_repo(repo.path))
    assert snapshot(hooks) == before
    assert "not ours" in str(changes[0])


def test_post_rewrite_passes_stdin_to_the_chained_hook(repo: GitRepo, hooks: Path) -> None:
    chained = "#!/bin/sh\ncat > \"$(git rev-parse --git-dir)/rewrite-input\"\n"
    (hooks / "post-rewrite").write_text(chained)
    (hooks / "post-rewrite").chmod(0o755)
    install(find_repo(repo.path), devlog_bin="/nonexistent/devlog")
    old = repo.head()
    repo.git("commit", "-q", "--amend", "-m", "Initial, amended")
    new = repo.head()
    assert (repo.path / ".git" / "rewrite-input").read_text().split()[:2] == [old, new]
    assert f"rewrite {old} {new}" in (repo.path / ".git" / "devlog" / "queue").read_text()


def test_core_hooks_path_is_honoured(repo: GitRepo, hooks: Path) -> None:
    shared = repo.path / "githooks"
    shared.mkdir()
    (shared / "post-commit").write_text(FOREIGN)
    (shared / "post-commit").chmod(0o755)
    repo.git("config", "core.hooksPath", "githooks")
    before = snapshot(shared)
    paths = find_repo(repo.path)
    install(paths, devlog_bin="/x/devlog")
    assert is_ours(shared / "post-commit") and not (hooks / "post-commit").exists()
    uninstall(paths)
    assert snapshot(shared) == before


def test_global_hooks_path_does_not_embed_this_repository(repo: GitRepo, hooks: Path, tmp_path: Path) -> None:
    shared = tmp_path / "global-hooks"
    shared.mkdir()
    repo.git("config", "core.hooksPath", str(shared))
    install(find_repo(repo.path), devlog_bin="/x/devlog")
    assert "DEVLOG_STATE=''" in (shared / "post-commit").read_text()


@pytest.mark.skipif(shutil.which("git") is None, reason="git")
def test_beside_the_real_pre_commit_tool(repo: GitRepo, hooks: Path) -> None:
    (repo.path / ".pre-commit-config.yaml").write_text("repos: []\n")
    subprocess.run([sys.executable, "-m", "pre_commit", "install", "-t", "post-commit", "-t", "post-rewrite"],
                   cwd=repo.path, check=True, capture_output=True)
    before = snapshot(hooks)
    paths = find_repo(repo.path)
    install(paths, devlog_bin="/nonexistent/devlog")
    sha = repo.commit("Third", {"c.py": "c = 1\n"})
    assert f"commit {sha}" in (repo.path / ".git" / "devlog" / "queue").read_text()
    uninstall(paths)
    assert snapshot(hooks) == before


def test_worktree_commits_reach_the_shared_queue(repo: GitRepo, hooks: Path, tmp_path: Path) -> None:
    install(find_repo(repo.path), devlog_bin="/nonexistent/devlog")
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    wt = GitRepo.__new__(GitRepo)
    wt.path, wt.clock = tmp_path / "wt", repo.clock + 600
    sha = wt.commit("From the worktree", {"w.py": "w = 1\n"})
    assert f"commit {sha}" in (repo.path / ".git" / "devlog" / "queue").read_text()


def test_hook_skips_commits_made_during_a_rebase(repo: GitRepo, hooks: Path) -> None:
    repo.commit("Second", {"b.py": "b = 1\n"})
    repo.commit("Third", {"c.py": "c = 1\n"})
    install(find_repo(repo.path), devlog_bin="/nonexistent/devlog")
    repo.clock += 60
    repo.git("rebase", "-q", "--force-rebase", "HEAD~2")
    queue = (repo.path / ".git" / "devlog" / "queue").read_text().splitlines()
    assert [line.split()[0] for line in queue] == ["rewrite", "rewrite"]


# -- paths are data, and nothing the hook touches can make it wait ----------------------

HOSTILE_DIR = "o'brien $(touch INJECTED) `touch INJECTED2`\nline two"


def test_a_hostile_repository_path_is_data_not_code(tmp_path: Path) -> None:
    # A repository (and a devlog executable) under a path holding a quote, command
    # substitutions, spaces and a newline: the commit is queued, nothing runs, and the
    # daemon is started with exactly that path.
    base = tmp_path / HOSTILE_DIR
    repo = GitRepo(base / "proj")
    repo.commit("Initial", {"a.py": "a = 1\n"})
    called = tmp_path / "called"
    fake = base / "bin" / "devlog"
    fake.parent.mkdir(parents=True)
    # Written aside, then renamed: the test reads it only once it is whole.
    fake.write_text(f"#!/bin/sh\nfor arg in \"$@\"; do printf '%s\\0' \"$arg\"; done > '{called}.tmp'\n"
                    f"mv '{called}.tmp' '{called}'\n")
    fake.chmod(0o755)
    install(find_repo(repo.path), devlog_bin=str(fake))
    result = subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "Second"], cwd=repo.path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stderr == ""
    assert f"commit {repo.head()}" in (repo.path / ".git" / "devlog" / "queue").read_text()
    deadline = time.monotonic() + 10
    while not called.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert called.read_bytes().split(b"\0")[:-1] == [b"-C", os.fsencode(repo.path), b"daemon", b"run", b"--quiet"]
    assert not [p for p in tmp_path.rglob("INJECTED*")]


def test_a_fifo_or_a_link_as_the_queue_never_holds_up_a_commit(repo: GitRepo, hooks: Path, tmp_path: Path) -> None:
    install(find_repo(repo.path), devlog_bin="/nonexistent/devlog")
    queue = repo.path / ".git" / "devlog" / "queue"
    os.mkfifo(queue)
    result = subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "Past a FIFO"], cwd=repo.path,
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 0
    assert f"{queue} is not a regular file" in result.stderr
    queue.unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("untouched\n")
    queue.symlink_to(elsewhere)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "Past a link"], cwd=repo.path,
                   capture_output=True, timeout=20, check=True)
    assert elsewhere.read_text() == "untouched\n"


def test_a_recycled_pid_in_the_pid_file_does_not_pass_for_the_daemon(repo: GitRepo, hooks: Path) -> None:
    # daemon.pid names a live process of ours that is not the daemon (the pid was reused):
    # the hook must start the daemon, and `daemon stop` must leave that process alone.
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        install(find_repo(repo.path))
        state = repo.path / ".git" / "devlog"
        (state / "daemon.pid").write_text(f"{stranger.pid}\n")
        devlog(repo.path, "daemon", "stop")
        assert stranger.poll() is None, "daemon stop killed a process that is not the daemon"
        (state / "daemon.pid").write_text(f"{stranger.pid}\n")
        repo.commit("Wakes the daemon", {"b.py": "b = 1\n"})
        deadline = time.monotonic() + 15
        while daemon_pid(repo.path) in (None, stranger.pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # only the hook can start it: nothing else here asks for it
        assert daemon_pid(repo.path) not in (None, stranger.pid)
        wait_settled(repo.path, expect=2)
    finally:
        stranger.kill()
        stranger.wait()
