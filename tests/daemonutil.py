"""Helpers for tests that run the real daemon on a real socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEVLOG = [sys.executable, "-m", "devlogd"]


def devlog(repo: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([*DEVLOG, "-C", str(repo), *args], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, timeout=120)
    if check and out.returncode != 0:
        raise AssertionError(f"devlog {args} failed ({out.returncode}): {out.stderr}")
    return out


def status(repo: Path) -> dict[str, Any]:
    return json.loads(devlog(repo, "status", "--json").stdout)


def wait_settled(repo: Path, expect: int | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """Wait until the daemon has journaled everything it knows of (and, optionally, until
    it shows ``expect`` beats)."""
    deadline = time.monotonic() + timeout
    info: dict[str, Any] = {}
    queue = repo / ".git" / "devlog" / "queue"
    while time.monotonic() < deadline:
        info = status(repo)
        settled = not info.get("reconciling") and not queue.exists()
        if settled and (expect is None or info["beats"] == expect):
            return info
        time.sleep(0.1)
    raise AssertionError(f"the daemon did not settle: {info}")


def daemon_pid(repo: Path) -> int | None:
    try:
        return int((repo / ".git" / "devlog" / "daemon.pid").read_text().split()[0])
    except (OSError, ValueError):
        return None


def wait_pid_gone(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _zombie(pid):
            return  # dead, waiting for its parent (or init) to collect it
        time.sleep(0.02)
    raise AssertionError(f"process {pid} still alive")


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    # A SIGKILLed process shows as a zombie while its other threads still tear down and
    # still hold its files (its socket accepts, then resets): gone means all of them.
    try:
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        threads = 0
    return stat[stat.rfind(b")") + 2 :].startswith(b"Z") and threads <= 1


def frame(payload: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(payload) + payload


def read_reply(sock: socket.socket, msg_id: Any, timeout: float = 10.0) -> dict[str, Any]:
    """The response to request ``msg_id``, skipping notifications sent meanwhile."""
    while True:
        message = read_message(sock, timeout)
        if message.get("id") == msg_id and "method" not in message:
            return message


_leftover: dict[int, bytes] = {}


def read_message(sock: socket.socket, timeout: float = 10.0) -> dict[str, Any]:
    """One framed message; bytes of the next one are kept for the next call."""
    sock.settimeout(timeout)
    data = _leftover.pop(sock.fileno(), b"")
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError("closed")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    headers = dict(line.split(b":", 1) for line in head.split(b"\r\n"))
    length = int(headers[b"Content-Length"])
    while len(rest) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError("closed")
        rest += chunk
    if rest[length:]:
        _leftover[sock.fileno()] = rest[length:]
    message: dict[str, Any] = json.loads(rest[:length])
    return message


def lsp_request(repo: Path, method: str, params: Any) -> Any:
    """One request to the repository's daemon (started if needed), as an editor sends it."""
    from devlogd.cli.client import open_session
    from devlogd.paths import find_repo

    conn = open_session(find_repo(repo))
    try:
        return conn.request(method, params)
    finally:
        conn.close()
