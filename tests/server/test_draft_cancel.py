"""A client that goes away mid-draft takes its draft with it: the model stream is closed,
no repair is asked for, and the draft pool is free for the next client at once."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.daemonutil import devlog, frame, read_reply
from tests.gitrepo import GitRepo
from tests.messages_server import MessagesServer, Reply

# Long enough that a draft nobody cancels streams for five minutes, and breaks the
# storytelling rules (no front matter) so that, finished, it would be sent for repair.
SLOW = Reply(text="word " * 6000, chunk_delay=0.2)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[MessagesServer]:
    monkeypatch.setenv("DEVLOG_TOOLS", "0")  # the single streamed request (the agent's cancel: tests/story/test_agent.py)
    server = MessagesServer().start()
    server.default = SLOW
    yield server
    server.stop()


def session(repo: GitRepo, api: MessagesServer) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(repo.path / ".git" / "devlog" / "daemon.sock"))
    send(sock, 1, "initialize", {"capabilities": {}})
    read_reply(sock, 1)
    send(sock, 2, "devlog/setCredentials", {"apiKey": "sk-ant-test", "baseUrl": api.url})
    read_reply(sock, 2)
    return sock


def send(sock: socket.socket, msg_id: int, method: str, params: Any) -> None:
    sock.sendall(frame(json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}).encode()))


def draft(sock: socket.socket, msg_id: int, narrator: str) -> None:
    send(sock, msg_id, "workspace/executeCommand",
         {"command": "devlog.generateDraft", "arguments": [{"narrator": narrator}]})


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_abandoned_drafts_close_their_streams_and_free_the_pool(repo: GitRepo, api: MessagesServer) -> None:
    repo.commit("Add the retry budget", {"retry.py": "RETRY_BUDGET = 5\n"})
    devlog(repo.path, "daemon", "start")
    clients = [session(repo, api) for _ in range(4)]  # as many as the draft pool holds
    for sock in clients:
        draft(sock, 3, "claude")
    wait_for(lambda: len(api.message_requests) == 4, 120, "the drafts never reached the model")
    time.sleep(0.5)  # a few chunks in
    for sock in clients:
        sock.close()
    wait_for(lambda: api.streams_closed_by_client == 4, 60, "an abandoned draft kept streaming")
    fresh = session(repo, api)
    draft(fresh, 3, "offline")
    reply = read_reply(fresh, 3, timeout=60)  # a pool still held waits for the five-minute streams
    fresh.close()
    assert reply["result"]["narrator"] == "offline"
    time.sleep(1.0)  # a repair would be asked for right after the first stream ends
    assert len(api.message_requests) == 4, "a repair was asked for a draft nobody waits for"
