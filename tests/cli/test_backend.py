"""Where commands run and what they accept: typed replies from the daemon, the narrator
and model settings, and arguments that would otherwise end in a traceback."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from devlogd import protocol
from devlogd.cli.main import main
from devlogd.paths import find_repo
from devlogd.protocol import ProtocolError, StatusReply
from tests.gitrepo import GitRepo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_malformed_reply_is_refused_in_one_sentence() -> None:
    with pytest.raises(ProtocolError, match=r"reply to status was malformed: .*beats"):
        protocol.decode_reply({"repository": "/r", "beats": "many", "narrator": "offline"}, StatusReply, "status")


def _impostor(socket_path: Path, reply: object) -> threading.Thread:
    """A daemon stand-in on the real socket path that answers everything with ``reply``."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(socket_path))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        frames = protocol.FrameBuffer()
        with conn:
            while True:
                body = frames.next_body()
                if body is None:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    frames.feed(chunk)
                    continue
                message = json.loads(body)
                if "id" in message:
                    result = {"capabilities": {}} if message["method"] == "initialize" else reply
                    conn.sendall(protocol.frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_status_refuses_a_malformed_daemon_reply_and_works_in_process(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    _impostor(find_repo(repo.path).socket, {"beats": "lots"})
    code, out, err = run(capsys, "-C", str(repo.path), "status", "--json")
    assert code == 0
    assert "reply to status was malformed" in err and "working in-process instead" in err
    assert json.loads(out)["pid"] is None  # answered here


def test_devlog_narrator_offline_keeps_claude_out_even_with_a_key(
        repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("Add the parser", {"p.py": "def parse(raw):\n    return raw\n"})
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key-not-real-000000000000")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens: a call would fail
    monkeypatch.setenv("DEVLOG_NARRATOR", "offline")
    code, out, err = run(capsys, "-C", str(repo.path), "--no-daemon", "draft")
    assert code == 0 and out.startswith("---")
    assert "Claude could not" not in err


def test_the_model_option_reaches_the_request(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Add the parser", {"p.py": "def parse(raw):\n    return raw\n"})
    code, out, _ = run(capsys, "-C", str(repo.path), "--no-daemon", "draft", "--dry-run", "--model", "claude-test-1")
    assert code == 0 and json.loads(out)["model"] == "claude-test-1"


def test_a_bad_token_budget_is_one_sentence(repo: GitRepo, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    monkeypatch.setenv("DEVLOG_TOKEN_BUDGET", "lots")
    code, _, err = run(capsys, "-C", str(repo.path), "--no-daemon", "draft")
    assert code == 5
    assert err.strip() == "devlog: DEVLOG_TOKEN_BUDGET must be a whole number, not 'lots'"


def test_out_into_a_missing_folder_is_one_sentence(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    code, _, err = run(capsys, "-C", str(repo.path), "--no-daemon", "draft", "--out", "nowhere/post.md")
    assert code == 2
    assert err.strip().startswith("devlog: cannot write nowhere/post.md: the folder") and "\n" not in err.strip()
