"""devlog's state files as an attacker might leave them: links to files elsewhere, a
socket folder under /tmp someone else made first. Nothing is written or read through a
link, and nothing waits."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from devlogd.errors import StateError
from tests.daemonutil import DEVLOG, daemon_pid, devlog, wait_settled
from tests.gitrepo import GitRepo

SECRET = "SECRET-LINE-4711 from a file the queue pointed at\n"


def test_a_linked_journal_is_refused_in_one_sentence(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    state = repo.path / ".git" / "devlog"
    state.mkdir(mode=0o700)
    victim = tmp_path / "victim.jsonl"
    victim.write_text("mine\n")
    (state / "journal.jsonl").symlink_to(victim)
    out = devlog(repo.path, "--no-daemon", "backfill", check=False)
    assert out.returncode == StateError.exit_code and "Traceback" not in out.stderr
    assert "journal.jsonl is a symbolic link" in out.stderr and out.stderr.count("\n") == 1
    assert victim.read_text() == "mine\n"


def test_linked_pid_and_queue_files_are_neither_written_through_nor_copied(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    state = repo.path / ".git" / "devlog"
    state.mkdir(mode=0o700)
    victim, secret = tmp_path / "victim", tmp_path / "secret"
    victim.write_text("keep\n")
    secret.write_text(SECRET * 3)
    (state / "daemon.pid").symlink_to(victim)
    (state / "queue").symlink_to(secret)
    devlog(repo.path, "daemon", "start")
    wait_settled(repo.path, expect=1)
    assert victim.read_text() == "keep\n" and secret.read_text() == SECRET * 3
    assert not (state / "daemon.pid").is_symlink() and daemon_pid(repo.path)
    log = state / "daemon.log"
    assert "SECRET-LINE" not in log.read_text() and "refused the hook queue" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_a_socket_folder_taken_first_under_tmp_is_passed_over(tmp_path: Path) -> None:
    # A repository so deep that its socket path is too long for AF_UNIX: the socket goes
    # under $TMPDIR/devlog-<uid>, which someone made first (a link to their own folder).
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    repo = GitRepo(deep / "repo")
    repo.commit("Initial", {"a.py": "a = 1\n"})
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o777)
    (tmp / f"devlog-{os.getuid()}").symlink_to(theirs)
    if os.getuid() == 0:  # and the next name belongs to another user
        (tmp / f"devlog-{os.getuid()}-1").mkdir()
        os.chown(tmp / f"devlog-{os.getuid()}-1", 65534, 65534)
    env = {**os.environ, "TMPDIR": str(tmp)}
    env.pop("XDG_RUNTIME_DIR")
    try:
        out = subprocess.run([*DEVLOG, "-C", str(repo.path), "status", "--json"], env=env,
                             capture_output=True, text=True, timeout=60)
        # Not "did not start within": the refused names were skipped, not waited on.
        assert out.returncode == 0, out.stderr
        assert list(theirs.iterdir()) == []
        sockets = list(tmp.glob(f"devlog-{os.getuid()}-*/devlog/*.sock"))
        assert len(sockets) == 1 and sockets[0].stat().st_uid == os.getuid()
    finally:
        subprocess.run([*DEVLOG, "-C", str(repo.path), "daemon", "stop"], env=env, capture_output=True)
