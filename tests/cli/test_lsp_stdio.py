"""`devlog lsp` as an editor runs it: a real process on pipes, the real daemon behind it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import IO, Any

from tests.gitrepo import GitRepo


def send(pipe: IO[bytes], message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    pipe.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    pipe.flush()


def receive(pipe: IO[bytes]) -> dict[str, Any]:
    length = 0
    while True:
        line = pipe.readline()
        assert line, "devlog lsp closed its stdout before answering"
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    message: dict[str, Any] = json.loads(pipe.read(length))
    return message


def reply_to(pipe: IO[bytes], msg_id: int) -> dict[str, Any]:
    while True:
        message = receive(pipe)
        if message.get("id") == msg_id and "method" not in message:
            return message


def test_initialize_shutdown_exit_ends_with_code_zero_and_a_quiet_stderr(repo: GitRepo) -> None:
    repo.commit("Initial server", {"server.py": "import socket\n"})
    proc = subprocess.Popen([sys.executable, "-m", "devlogd", "-C", str(repo.path), "lsp"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        send(proc.stdin, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                          "params": {"processId": None, "rootUri": repo.path.as_uri(), "capabilities": {}}})
        assert reply_to(proc.stdout, 1)["result"]["serverInfo"]["name"] == "devlogd"
        send(proc.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        send(proc.stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        assert reply_to(proc.stdout, 2)["result"] is None
        send(proc.stdin, {"jsonrpc": "2.0", "method": "exit"})
        # Like an editor, keep stdin open: the server must end by itself.
        code = proc.wait(timeout=20)
        stderr = proc.stderr.read().decode()
    finally:
        proc.kill()
        proc.stdin.close()
    assert code == 0, stderr
    assert stderr == ""
