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
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devlogd.errors import DaemonError
from devlogd.handoff import daemon_command, read_pid_file
from devlogd.paths import RepoPaths
from devlogd.protocol import FrameBuffer, FrameError, ProtocolError, RequestFailed, failure_from_reply, frame
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
                    raise failure_from_reply(message["error"])
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


# Exit codes of a daemon that stopped at start for a reason this process would meet too
# (not a repository, an unreadable journal, a broken config file): trying in-process would
# only say the same sentence again.
_SHARED_FAILURES = (3, 4, 5)


def start_daemon(paths: RepoPaths, wait: float = 10.0) -> None:
    """Start the daemon detached and wait until its socket answers, or until it exits: a
    daemon that dies at start (a broken config file) is reported with its own sentence at
    once, never after the whole wait."""
    directory = paths.workdir or paths.common_dir
    log_path = paths.ensure_state_dir() / "daemon.start.log"
    if paths.socket.parent.exists():  # one the daemon would refuse: say so now, not in 10 s
        check_private_dir(paths.socket.parent, tighten=False)
    with os.fdopen(open_state_file(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab") as log:
        offset = log.tell()
        daemon = subprocess.Popen(
            daemon_command([sys.executable, "-m", "devlogd"], directory),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            start_new_session=True, cwd="/",
        )
    try:
        _wait_until_serving(paths, daemon, log_path, offset, wait)
    finally:
        # A long-lived starter (`devlog lsp` under an editor) reaps the daemon when it
        # exits, so no zombie is left that `devlog daemon stop` would mistake for a live
        # daemon. Only now: a thread waiting on it would keep poll() above from seeing an
        # early exit.
        threading.Thread(target=daemon.wait, name="devlog-reaper", daemon=True).start()


def _wait_until_serving(paths: RepoPaths, daemon: subprocess.Popen[bytes], log_path: Path, offset: int,
                        wait: float) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if daemon_running(paths):
            return
        code = daemon.poll()
        if code:  # 0 is a daemon that found another one serving: wait for that one
            said = _last_words(log_path, offset)
            if code in _SHARED_FAILURES and said:
                raise RequestFailed(said, code)
            raise DaemonError(f"the daemon exited at start ({said or f'exit code {code}'}; see {log_path})")
        time.sleep(0.02)
    raise DaemonError(f"the daemon did not start within {wait:.0f}s (see {log_path})")


def _last_words(log_path: Path, offset: int) -> str:
    """The last message a daemon wrote to the start log since ``offset``."""
    try:
        with open(log_path, "rb") as log:
            log.seek(offset)
            text = log.read(65536).decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = [line.removeprefix("devlog: ") for line in lines if line.startswith("devlog: ")]
    return said[-1] if said else (lines[-1] if lines else "")


def connect_or_start(paths: RepoPaths, timeout: float | None = 30.0,
                     announce: bool = False) -> socket.socket:
    """A connection to the daemon, starting it first only when nobody answers; with
    ``announce``, a daemon started here is said once on stderr (a person is reading it).

    Connecting is the test: a separate probe would cost a second connection on every
    command (and the daemon a whole LSP server for it)."""
    try:
        return connect(paths, timeout)
    except DaemonError:
        start_daemon(paths)
        if announce:
            print(started_message(paths), file=sys.stderr)
        return connect(paths, timeout)


def started_message(paths: RepoPaths) -> str:
    running = read_pid_file(paths.daemon_pid)
    pid = f" (pid {running})" if running is not None else ""
    return (f"devlog: started a background daemon for this repository{pid}: it journals each "
            "new commit and exits when idle; `devlog daemon stop` ends it now")


def open_session(paths: RepoPaths, progress: bool = False, announce: bool = True) -> Connection:
    conn = Connection(connect_or_start(paths, announce=announce))
    conn.initialize(paths.workdir, progress)
    return conn


def forward_stdio(paths: RepoPaths) -> int:
    """`devlog lsp`: pipe an editor's stdio to the daemon's socket, byte for byte.

    The editor's side is read with ``os.read`` on the file descriptor, never through
    ``sys.stdin.buffer``: after ``exit`` the daemon closes the connection while the editor
    still holds stdin open, and a thread blocked inside a buffered read holds that buffer's
    lock, which makes interpreter shutdown abort ("Fatal Python error", exit 134).
    """
    import threading

    sock = connect_or_start(paths, timeout=None)
    stdin_fd = sys.stdin.fileno()
    stdout = sys.stdout.buffer

    def upstream() -> None:
        try:
            while True:
                chunk = os.read(stdin_fd, 65536)
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
    except OSError:  # BrokenPipeError included: the editor went away
        pass
    finally:
        sock.close()
    return 0
