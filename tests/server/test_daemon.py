"""The real daemon on a real Unix socket, fed by the real hooks."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from tests.daemonutil import daemon_pid, devlog, frame, read_message, status, wait_pid_gone, wait_settled
from tests.gitrepo import GitRepo


def visible_shas(repo: GitRepo) -> list[str]:
    out = devlog(repo.path, "beats", "--json").stdout
    return [json.loads(line)["sha"] for line in out.splitlines()]


def reachable(repo: GitRepo) -> set[str]:
    return set(repo.git("rev-list", "--branches", "HEAD").split())


def test_history_is_told_exactly_once_through_rewrites(repo: GitRepo) -> None:
    repo.commit("Initial server", {"server.py": "PORT = 1\n"})
    devlog(repo.path, "install")
    # Commits while the hook is disabled: reconcile must still find them.
    for i in range(2):
        repo.commit(f"Quiet change {i}", {f"quiet{i}.py": f"x = {i}\n"}, env={"DEVLOG": "0"})
    # The daemon dies hard; the next commit's hook must bring it back.
    pid = daemon_pid(repo.path)
    if pid:
        os.kill(pid, signal.SIGKILL)
        wait_pid_gone(pid)
    repo.commit("After the crash", {"crash.py": "y = 1\n"})
    repo.commit("Typo in messsage", {"amend.py": "z = 1\n"})
    repo.clock += 60
    repo.git("commit", "-q", "--amend", "-m", "Fix the message of the amended change")
    # A rebase that rewrites several commits.
    repo.git("checkout", "-q", "-b", "topic", "HEAD~3")
    repo.commit("Topic work", {"topic.py": "t = 1\n"})
    repo.commit("More topic work", {"topic2.py": "t = 2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Main moves on", {"main.py": "m = 1\n"})
    repo.clock += 60
    repo.git("rebase", "-q", "--force-rebase", "HEAD~2")
    # A cherry-pick and a merge.
    repo.clock += 60
    repo.git("cherry-pick", "topic")
    repo.clock += 60
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
    expected = reachable(repo)
    wait_settled(repo.path, expect=len(expected))
    shas = visible_shas(repo)
    assert len(shas) == len(set(shas)), "a commit was told twice"
    assert set(shas) == expected


def test_a_reset_and_a_deleted_branch_leave_only_what_is_reachable(repo: GitRepo) -> None:
    # The daemon walks only new commits after a commit; when history moves back it must
    # walk everything again, or beats of commits gone from every branch stay visible.
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "install")
    repo.commit("Keep this", {"b.py": "b = 1\n"})
    repo.git("checkout", "-q", "-b", "spike")
    repo.commit("Spike idea", {"spike.py": "s = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Dead end", {"c.py": "c = 1\n"})
    wait_settled(repo.path, expect=4)
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.git("branch", "-q", "-D", "spike")
    repo.commit("Better idea", {"d.py": "d = 1\n"})
    expected = reachable(repo)
    wait_settled(repo.path, expect=len(expected))
    assert set(visible_shas(repo)) == expected


def test_a_detached_commit_is_seen_in_a_repository_that_had_no_commits_at_install(repo: GitRepo) -> None:
    # logs/ does not exist before a repository's first commit; the daemon starts watching
    # it once it appears, or a commit on a detached HEAD (no ref moves) would go unseen.
    devlog(repo.path, "install")
    repo.commit("First", {"a.py": "a = 1\n"})
    wait_settled(repo.path, expect=1)
    repo.git("checkout", "-q", "--detach")
    sha = repo.commit("Try something detached", {"b.py": "b = 1\n"}, env={"DEVLOG": "0"})
    info = wait_settled(repo.path, expect=2, timeout=15)
    assert info["last_beat"]["sha"] == sha


def test_beat_is_journaled_after_a_commit_with_the_daemon_running(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "install")
    wait_settled(repo.path, expect=1)
    sha = repo.commit("Add the retry budget", {"a.py": "a = 1\nRETRY_BUDGET = 5\n"})
    info = wait_settled(repo.path, expect=2)
    assert info["last_beat"]["sha"] == sha
    assert info["pid"] == daemon_pid(repo.path)


def test_socket_and_state_directory_are_private(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start")
    state = repo.path / ".git" / "devlog"
    sock = state / "daemon.sock"
    assert stat.S_ISSOCK(os.stat(sock).st_mode)
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700


def test_another_uid_is_refused_by_peer_credentials(repo: GitRepo) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root to connect as another uid")
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start")
    # A status waits for the daemon's first reconcile, which makes its state folder private
    # again (as it should): opening the doors before that would race with it.
    devlog(repo.path, "status")
    sock_path = repo.path / ".git" / "devlog" / "daemon.sock"
    # The daemon tightens a state folder others may enter whenever it touches it, so the doors
    # are opened again before each try; only "could not reach the socket" is tried again.
    for _attempt in range(5):
        code = _connect_as_nobody(sock_path)
        if code != 2:
            break
    assert code == 0
    log = (repo.path / ".git" / "devlog" / "daemon.log").read_text()
    assert "refused a connection from uid 65534" in log


def reply_to(s: socket.socket) -> dict:
    """The next reply, past any notification."""
    while "id" not in (message := read_message(s)):
        pass
    return message


def test_malformed_messages_get_errors_and_the_daemon_stays_up(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start")
    sock_path = str(repo.path / ".git" / "devlog" / "daemon.sock")
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(sock_path)
        s.sendall(frame(b'{"jsonrpc": "2.0", "id": 1, "method": '))
        reply = read_message(s)
        assert reply["error"]["code"] == -32700 and reply["id"] is None
        s.sendall(frame(b'[1, 2, 3]'))
        assert read_message(s)["error"]["code"] == -32600
        # Before `initialize`, a request gets the protocol's ServerNotInitialized, and nothing runs.
        s.sendall(frame(json.dumps({"jsonrpc": "2.0", "id": 5, "method": "workspace/executeCommand",
                                    "params": {"command": "devlog.status", "arguments": []}}).encode()))
        reply = read_message(s)
        assert reply["id"] == 5 and reply["error"]["code"] == -32002 and "initialize" in reply["error"]["message"]
        s.sendall(frame(json.dumps({"jsonrpc": "2.0", "id": 6, "method": "initialize",
                                    "params": {"capabilities": {}}}).encode()))
        assert "capabilities" in read_message(s)["result"]
        s.sendall(frame(json.dumps({"jsonrpc": "2.0", "id": 7, "method": "workspace/executeCommand",
                                    "params": {"command": "devlog.generateDraft",
                                               "arguments": [{"narrator": "shakespeare"}]}}).encode()))
        reply = reply_to(s)  # initialized, the client may hear notifications (a beat journaled) first
        assert reply["id"] == 7 and "narrator" in reply["error"]["message"]
        s.sendall(frame(json.dumps({"jsonrpc": "2.0", "id": 8, "method": "devlog/noSuchThing"}).encode()))
        reply = reply_to(s)
        assert reply["id"] == 8 and reply["error"]["code"] == -32601
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(sock_path)
        s.sendall(b"Content-Length: banana\r\n\r\n{}")
        got = read_message(s)
        assert got["error"]["code"] == -32700, got
    assert wait_settled(repo.path, expect=1)["beats"] == 1


def test_status_without_a_daemon_works_in_process(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    out = devlog(repo.path, "--no-daemon", "status", "--json").stdout
    assert json.loads(out)["pid"] is None
    assert not (repo.path / ".git" / "devlog" / "daemon.sock").exists()


def test_daemon_exits_when_idle(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start", env={"DEVLOG_IDLE_TIMEOUT": "1"})
    pid = daemon_pid(repo.path)
    assert pid
    wait_pid_gone(pid, timeout=15)
    assert not (repo.path / ".git" / "devlog" / "daemon.sock").exists()


def test_second_daemon_exits_quietly(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start")
    first = daemon_pid(repo.path)
    out = devlog(repo.path, "daemon", "run", "--quiet")
    assert out.returncode == 0 and daemon_pid(repo.path) == first


def test_stop_removes_socket_and_pid(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "daemon", "start")
    devlog(repo.path, "daemon", "stop")
    state = repo.path / ".git" / "devlog"
    assert not (state / "daemon.sock").exists() and not (state / "daemon.pid").exists()
    assert devlog(repo.path, "daemon", "status", check=False).returncode == 1


def test_commit_never_fails_when_devlog_is_gone(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    launcher = tmp_path / "gone" / "devlog"
    devlog(repo.path, "install", "--no-start", env={"DEVLOG_BIN": str(launcher)})
    result = subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "still works"],
                            cwd=repo.path, capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
    assert "commit " in (repo.path / ".git" / "devlog" / "queue").read_text()


def test_devlog_zero_disables_the_hook(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "install", "--no-start")
    repo.commit("quiet", {"b.py": "b = 1\n"}, env={"DEVLOG": "0"})
    assert not (repo.path / ".git" / "devlog" / "queue").exists()
    assert daemon_pid(repo.path) is None


def test_a_fifo_as_the_queue_neither_hangs_the_daemon_nor_its_stop(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    devlog(repo.path, "install", "--no-start")
    state = repo.path / ".git" / "devlog"
    os.mkfifo(state / "queue")
    devlog(repo.path, "daemon", "start")
    repo.commit("Second", {"b.py": "b = 1\n"})
    wait_settled(repo.path, expect=2, timeout=20)
    assert "refused the hook queue" in (state / "daemon.log").read_text()
    assert not (state / "queue").exists() or (state / "queue").is_file()
    pid = daemon_pid(repo.path)
    devlog(repo.path, "daemon", "stop")  # a stop blocked on the FIFO would never return
    assert pid is not None
    wait_pid_gone(pid)


def _connect_as_nobody(sock_path: Path) -> int:
    """Connect to the daemon as uid 65534 with every door open, so only the daemon's own
    peer-credential check stands between another user and the journal: 0 when refused,
    2 when the socket could not even be reached (the try proves nothing)."""
    for directory in [sock_path.parent, *sock_path.parent.parents]:
        if directory == Path(directory.anchor) or directory == Path("/tmp"):
            break
        os.chmod(directory, os.stat(directory).st_mode | 0o755)
    os.chmod(sock_path, 0o777)
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(sock_path))
        except Exception:
            os._exit(2)
        try:
            s.sendall(frame(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                        "params": {"capabilities": {}}}).encode()))
            s.settimeout(5)
            code = 0 if s.recv(100) == b"" else 3  # closed without a word: refused
        except (BrokenPipeError, ConnectionResetError):
            code = 0  # closed before we finished writing: refused
        except Exception:
            code = 4
        os._exit(code)
    _, status_code = os.waitpid(child, 0)
    return os.WEXITSTATUS(status_code)
