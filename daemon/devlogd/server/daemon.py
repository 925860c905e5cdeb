"""The per-repository daemon: single writer of the journal, server of every client.

One daemon per git-common-dir, guarded by ``flock`` on ``daemon.lock`` (taken before the
socket is bound, so a second daemon exits quietly). It *reconciles* on start and on every
nudge — a watched ref moving, a line in the queue, a client asking — so that everything
reachable from the user's branches is journaled whether or not a hook ever ran. It exits
after ``idle_timeout`` seconds with no clients and no events, and within seconds of its
repository being deleted or moved (see app/whereabouts.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from devlogd.app.project import Project
from devlogd.app.repostate import RepoState
from devlogd.errors import DaemonError
from devlogd.handoff import MOVED_NOTE, read_pid_file, write_pid_file
from devlogd.paths import RepoPaths
from devlogd.server.logs import quiet_expected_failures
from devlogd.statefiles import check_private_dir, lock_or_none, unlock

log = logging.getLogger(__name__)


# -- the socket ------------------------------------------------------------------------

def peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def prepare_socket_path(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private_dir(path.parent)  # a folder someone else made (under /tmp) is refused
    try:
        path.unlink()  # stale: we hold the lock, so no live daemon owns it
    except FileNotFoundError:
        pass


Serve = Callable[[RepoState, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
# Seconds between looks at whether the repository is still there: a move of the repository
# (or of any folder above it) raises no event in the folders the watcher watches.
PRESENCE_EVERY = 2.0


class Daemon:
    def __init__(self, project: Project, serve: Serve) -> None:
        self.project = project
        self.paths = project.paths
        self.state = RepoState(project)
        self.state.gone_listeners.append(self._leave)
        self.serve = serve
        self._stop: asyncio.Event | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.state.attach(loop)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(signum, self._stop.set)
        sock_path = self.paths.socket
        prepare_socket_path(sock_path)
        old_umask = os.umask(0o177)  # the socket is born 0600: no window where others can connect
        try:
            server = await asyncio.start_unix_server(self._accept, path=str(sock_path))
        finally:
            os.umask(old_umask)
        os.chmod(sock_path, 0o600)
        self.state.where.made(sock_path)
        watcher = self._start_watcher()
        tasks = [asyncio.create_task(self.state.reconciler()), asyncio.create_task(self._idle_watch()),
                 asyncio.create_task(self._presence_watch())]
        self.state.nudge("start")
        log.info("serving %s on %s (pid %d)", self.paths.common_dir, sock_path, os.getpid())
        try:
            await self._stop.wait()
        finally:
            log.info("stopping")
            server.close()
            for task in [*tasks, *self._connections]:
                task.cancel()
            await asyncio.gather(*tasks, *self._connections, return_exceptions=True)
            if watcher is not None:
                watcher.stop()
            self.state.shutdown_threads()
            self.state.where.remove_made(sock_path)

    def _leave(self, reason: str) -> None:
        """The repository is gone: one line in the log (the log moved with it, or was
        deleted with it) and stop; nothing is written anywhere else."""
        log.warning("%s; stopping", reason)
        if self.state.where.moved_to() is not None:
            self.state.where.leave_note(MOVED_NOTE, f"{self.paths.workdir or self.paths.common_dir}\n")
        assert self._stop is not None
        self._stop.set()

    async def _presence_watch(self) -> None:
        while not self.state.check_present():
            await asyncio.sleep(PRESENCE_EVERY)

    def _start_watcher(self) -> Any:
        try:
            from devlogd.server.watcher import RepoWatcher

            watcher = RepoWatcher(self.paths, self.state.nudge)
            watcher.start()
            self.state.after_reconcile.append(watcher.watch_new_directories)
            return watcher
        except Exception as err:  # inotify limits, odd filesystems: still serve, reconcile on demand
            log.warning("not watching the repository (%s); journaling on each client request", err)
            return None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        try:
            uid = peer_uid(sock)
        except OSError:
            uid = -1
        if uid != os.getuid():
            log.warning("refused a connection from uid %d", uid)
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self.state.clients += 1
        self.state.touch()
        try:
            await self.serve(self.state, reader, writer)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("a connection failed")
        finally:
            self.state.clients -= 1
            self.state.touch()
            self._connections.discard(task)
            writer.close()

    async def _idle_watch(self) -> None:
        assert self._stop is not None
        while True:
            idle_timeout = self.project.config.daemon.idle_timeout  # as last read: edits count
            idle_for = time.monotonic() - self.state.last_activity
            busy = self.state.clients > 0 or self.state.activity.reconciling
            if not busy and idle_for >= idle_timeout:
                log.info("idle for %.0fs with no clients: exiting", idle_for)
                self._stop.set()
                return
            # Sleep until the earliest moment we could be idle long enough: no polling.
            await asyncio.sleep(max(1.0, idle_timeout - idle_for) if not busy else idle_timeout)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


# -- lifecycle -------------------------------------------------------------------------

def acquire_lock(paths: RepoPaths) -> int | None:
    """The daemon lock, or None when another daemon holds it."""
    paths.ensure_state_dir()
    try:
        return lock_or_none(paths.daemon_lock)
    except OSError as err:
        raise DaemonError(f"cannot lock {paths.daemon_lock}: {err.strerror}") from err


def read_pid(paths: RepoPaths) -> int | None:
    """The running daemon's pid, confirmed (see :func:`handoff.read_pid_file`)."""
    return read_pid_file(paths.daemon_pid)


def run_daemon(project: Project, serve: Serve) -> int:
    """Run in the foreground until stopped or idle. 0 when another daemon already runs."""
    lock = acquire_lock(project.paths)
    if lock is None:
        log.info("a daemon already serves %s (pid %s)", project.paths.common_dir, read_pid(project.paths))
        return 0
    pid_file = project.paths.daemon_pid
    quiet_expected_failures()  # a user's mistake is one line in daemon.log, not a traceback
    # A full disk or a file-size limit must fail a write (EFBIG), not kill the daemon.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        os.nice(10)  # background work: the user's own git commands always come first
    except OSError:
        pass
    daemon: Daemon | None = None
    try:
        write_pid_file(pid_file, os.getpid())
        daemon = Daemon(project, serve)
        daemon.state.where.made(pid_file)
        asyncio.run(daemon.run())
    finally:
        if daemon is None:
            _remove_quietly(pid_file)
        else:  # where it now is, if the repository moved, and only if it is still ours
            daemon.state.where.remove_made(pid_file)
            daemon.state.where.close()
        unlock(lock)
    _leave_stuck_threads()
    return 0


STOP_GRACE = 3.0  # seconds a stopping daemon gives its threads to finish


def _leave_stuck_threads() -> None:
    """A stop must stop: work still running in a thread after a short grace (a reconcile
    waiting for a backfill's lock, a model call mid-stream) is abandoned, not waited for
    at exit. Nothing is lost: what it had not journaled, the next reconcile finds."""
    deadline = time.monotonic() + STOP_GRACE
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threading.enumerate() if t is not current and not t.daemon and t.is_alive()]
    if stuck:
        log.warning("stopped with work still running in %s", ", ".join(stuck))
        logging.shutdown()
        os._exit(0)
