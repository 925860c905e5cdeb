"""A small JSON-RPC client for the daemon's socket. Standard library only.

The terminal must stay fast: importing pygls or anthropic costs 0.3-0.9 s, json and
socket cost ~15 ms. This module speaks just enough LSP for `devlog status`, `beats`,
`journal` and `draft`, and `devlog lsp` forwards raw bytes without parsing them at all.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devlogd.errors import DaemonError
from devlogd.handoff import daemon_command
from devlogd.paths import RepoPaths
from devlogd.protocol import FrameBuffer, FrameError, ProtocolError, frame
from devlogd.statefiles import check_private_dir, open_state_file

Notification = Callable[[str, Any], None]


def check_owner(path: Path) -> None:
    """Refuse a socket someone else made: it could be an impostor collecting our code."""
    try:
        info = os.lstat(path)
    except FileNotFoundError as err:
        raise DaemonError(f"no daemon socket at {path}") from err
    if info.st_uid != os.getuid():
        raise DaemonError(f"{path} belongs to uid {info.st_uid}, not to you; refusing to use it")


def connect(paths: RepoPaths, timeout: float | None = 30.0) -> socket.socket:
    path = paths.socket
    check_owner(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except OSError as err:
        sock.close()
        raise DaemonError(f"cannot connect to the daemon at {path}: {err.strerror or err}") from err
    return sock


class Connection:
    """One LSP session over the daemon's socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._frames = FrameBuffer()
        self._next_id = 0

    def close(self) -> None:
        self.sock.close()

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(frame(message))

    def receive(self) -> dict[str, Any]:
        while True:
            try:
                body = self._frames.next_body()
            except FrameError as err:
                raise ProtocolError(f"the daemon sent a malformed frame: {err}") from err
            if body is not None:
                break
            self._fill()
        try:
            message = json.loads(body)
        except ValueError as err:
            raise ProtocolError(f"the daemon sent something that is not JSON: {err}") from err
        if not isinstance(message, dict):
            raise ProtocolError("the daemon sent a JSON-RPC message that is not an object")
        return message

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout as err:
            raise DaemonError("the daemon did not answer in time") from err
        except OSError as err:  # it died mid-answer (killed, out of memory)
            raise DaemonError(f"the daemon closed the connection ({err.strerror or err})") from err
        if not chunk:
            raise DaemonError("the daemon closed the connection")
        self._frames.feed(chunk)

    def request(self, method: str, params: Any = None, on_notification: Notification | None = None) -> Any:
        self._next_id += 1
        msg_id = self._next_id
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == msg_id and "method" not in message:
                if "error" in message:
                    error = message["error"]
                    text = error.get("message") if isinstance(error, dict) else None
                    raise DaemonError(str(text or "the daemon reported an error"))
                return message.get("result")
            if "method" in message and "id" in message:
                # A request from the server (window/workDoneProgress/create): accept it.
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "method" in message and on_notification is not None:
                on_notification(message["method"], message.get("params"))

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root: Path | None, progress: bool = False) -> Any:
        capabilities: dict[str, Any] = {"window": {"workDoneProgress": progress}}
        result = self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": root.as_uri() if root else None,
            "capabilities": capabilities,
            "clientInfo": {"name": "devlog-cli"},
        })
        self.notify("initialized", {})
        return result


def daemon_running(paths: RepoPaths) -> bool:
    try:
        sock = connect(paths, timeout=2)
    except DaemonError:
        return False
    sock.close()
    return True


def start_daemon(paths: RepoPaths, wait: float = 10.0) -> None:
    """Start the daemon detached and wait until its socket answers."""
    directory = paths.workdir or paths.common_dir
    log_path = paths.ensure_state_dir() / "daemon.start.log"
    if paths.socket.parent.exists():  # one the daemon would refuse: say so now, not in 10 s
        check_private_dir(paths.socket.parent, tighten=False)
    with os.fdopen(open_state_file(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab") as log:
        subprocess.Popen(
            daemon_command([sys.executable, "-m", "devlogd"], directory),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            start_new_session=True, cwd="/",
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if daemon_running(paths):
            return
        time.sleep(0.02)
    raise DaemonError(f"the daemon did not start within {wait:.0f}s (see {paths.daemon_log})")


def connect_or_start(paths: RepoPaths, timeout: float | None = 30.0) -> socket.socket:
    """A connection to the daemon, starting it first only when nobody answers.

    Connecting is the test: a separate probe would cost a second connection on every
    command (and the daemon a whole LSP server for it)."""
    try:
        return connect(paths, timeout)
    except DaemonError:
        start_daemon(paths)
        return connect(paths, timeout)


def open_session(paths: RepoPaths, progress: bool = False) -> Connection:
    conn = Connection(connect_or_start(paths))
    conn.initialize(paths.workdir, progress)
    return conn


def forward_stdio(paths: RepoPaths) -> int:
    """`devlog lsp`: pipe an editor's stdio to the daemon's socket, byte for byte."""
    import threading

    sock = connect_or_start(paths, timeout=None)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer

    def upstream() -> None:
        try:
            while True:
                chunk = stdin.read1(65536) if hasattr(stdin, "read1") else stdin.read(65536)
                if not chunk:
                    break
                sock.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    threading.Thread(target=upstream, daemon=True).start()
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            stdout.write(data)
            stdout.flush()
    except (OSError, BrokenPipeError):
        pass
    finally:
        sock.close()
    return 0
