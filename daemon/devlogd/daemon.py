"""The per-repository daemon: single writer of the journal, server of every client.

One daemon per git-common-dir, guarded by ``flock`` on ``daemon.lock`` (taken before the
socket is bound, so a second daemon exits quietly). It *reconciles* on start and on every
nudge — a watched ref moving, a line in the queue, a client asking — so that everything
reachable from the user's branches is journaled whether or not a hook ever ran. It exits
after ``idle_timeout`` seconds with no clients and no events.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import logging
import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from devlogd import service
from devlogd.errors import DaemonError, DevlogError
from devlogd.journal import JournalState
from devlogd.models import Beat
from devlogd.paths import RepoPaths
from devlogd.service import Project

log = logging.getLogger(__name__)

T = TypeVar("T")
DEBOUNCE = 0.1  # a commit touches several refs and logs; journal once, after it is done
FLUSH_EVERY = 256  # beats between fsyncs while reconciling
RETRY_FIRST, RETRY_MAX = 1.0, 60.0  # after a failed reconcile (disk full, read-only journal)


@dataclass
class Activity:
    """What the daemon is doing, for `devlog status` and the editor's status bar."""

    reconciling: bool = False
    backlog: int = 0
    done: int = 0
    last_reconcile: float = 0.0
    last_error: str = ""
    errors: list[str] = field(default_factory=list)


class RepoState:
    """Shared by every connection: the project, the journal as loaded, and reconciling.

    All pygit2 work runs on one thread (a Repository is not safe to share between threads);
    narration runs on a separate pool so a long draft never holds up journaling.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.journal: JournalState = project.journal.load()
        self.reachable: set[str] | None = None
        self._tips: list[str] | None = None  # where the last walk started
        self.activity = Activity()
        self.listeners: set[Callable[[list[Beat]], None]] = set()
        self.error_listeners: set[Callable[[str], None]] = set()
        self.after_reconcile: list[Callable[[], None]] = []  # called on the loop, each time
        self._retry_delay = RETRY_FIRST
        self.clients = 0
        self.last_activity = time.monotonic()
        self.started = time.time()
        self._git = ThreadPoolExecutor(max_workers=1, thread_name_prefix="devlog-git")
        self._work = ThreadPoolExecutor(max_workers=4, thread_name_prefix="devlog-draft")
        self._nudged: asyncio.Event | None = None
        self._nudge_pending = False  # set from the watcher thread, cleared by the reconciler
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reconciled = threading.Event()

    # -- threads ------------------------------------------------------------------------

    async def in_git_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._git, fn, *args)

    async def in_work_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._work, fn, *args)

    def shutdown_threads(self) -> None:
        self._git.shutdown(wait=False, cancel_futures=True)
        self._work.shutdown(wait=False, cancel_futures=True)

    # -- nudges -------------------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._nudged = asyncio.Event()

    def nudge(self, reason: str = "") -> None:
        """Ask for a reconcile; safe from any thread (the watcher calls it)."""
        if self._loop is None or self._nudged is None or self._nudge_pending:
            return  # a reconcile is already on its way and will see this change too
        self._nudge_pending = True
        log.debug("nudged: %s", reason)
        self._loop.call_soon_threadsafe(self._touch_and_set)

    def _touch_and_set(self) -> None:
        self.touch()
        assert self._nudged is not None
        self._nudged.set()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    async def reconciler(self) -> None:
        assert self._nudged is not None
        while True:
            await self._nudged.wait()
            await asyncio.sleep(DEBOUNCE)  # a commit moves several files; reconcile once
            self._nudged.clear()
            # From here on a change may be missed by this reconcile, so it must nudge anew;
            # before, the watcher's thread skips waking the loop for every file git touches.
            self._nudge_pending = False
            try:
                added = await self.in_git_thread(self.reconcile_once)
            except Exception as err:  # keep serving; report it, and try again later
                log.exception("reconcile failed")
                message = str(err) if isinstance(err, DevlogError) else f"{type(err).__name__}: {err}"
                self.activity.last_error = message
                for report in list(self.error_listeners):
                    report(message)
                self._schedule_retry()
                continue
            self._retry_delay = RETRY_FIRST
            for done in self.after_reconcile:
                done()
            if added:
                for listener in list(self.listeners):
                    listener(added)

    def _schedule_retry(self) -> None:
        assert self._loop is not None
        delay, self._retry_delay = self._retry_delay, min(RETRY_MAX, self._retry_delay * 2)
        self._loop.call_later(delay, self.nudge, "retry")

    async def wait_reconciled(self, timeout: float = 30.0) -> None:
        """Wait for the first reconcile, so a fresh client sees a complete journal."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._reconciled.wait, timeout)

    # -- reconciling (git thread) -------------------------------------------------------

    def reconcile_once(self) -> list[Beat]:
        started = time.perf_counter()
        project = self.project
        queued, rewrites = take_queue(project.paths)
        reader = project.reader
        self.activity.reconciling = True
        try:
            with project.journal.writer(since=self.journal) as writer:
                tips = reader.local_tips()
                walked, reachable_set = self._walk(tips, writer.state)
                extra = [sha for sha in queued if sha not in reachable_set and reader.exists(sha)]
                missing = [sha for sha in walked + extra if not writer.has(sha)]
                self.activity.backlog, self.activity.done = len(missing), 0
                added, errors = service.append_beats(project, writer, missing, reader.head_branch(),
                                                     step=self._count_done, flush_every=FLUSH_EVERY)
                self.activity.errors = (self.activity.errors + errors)[-20:]
                writer.add_rewrite(rewrites)
                writer.flush()
            if added or rewrites or self.reachable is None or writer.state.size != self.journal.size:
                self.journal = project.journal.refresh(writer.state)
            self.reachable = reachable_set | set(extra)
            self._tips = tips
            self.activity.last_error = ""
        finally:
            self.activity.reconciling = False
            self.activity.last_reconcile = time.time()
            self._reconciled.set()
        if added or rewrites:
            log.info("journaled %d beat(s), %d rewrite(s) in %.3fs", len(added), len(rewrites),
                     time.perf_counter() - started)
        return added

    def _walk(self, tips: list[str], journal: JournalState) -> tuple[list[str], set[str]]:
        """The commits to check against the journal, and all that are reachable now.

        After a commit only the new commits are walked; the whole history again after a
        reset or rebase, or when the journal was replaced under us (it then lacks what
        earlier walks found), so on a long history a commit stays a millisecond's work.
        """
        reader = self.project.reader
        if self.reachable is not None and self._tips is not None and journal.size >= self.journal.size:
            fresh = reader.reachable_since(tips, self._tips)
            if fresh is not None:
                return fresh, self.reachable | set(fresh)
        walked = reader.reachable_shas(tips)
        return walked, set(walked)

    def _count_done(self, done: int) -> None:
        self.activity.done = done

    def visible(self) -> list[Beat]:
        return service.visible_beats(self.journal, self.reachable)


def take_queue(paths: RepoPaths) -> tuple[list[str], list[tuple[str, str]]]:
    """Consume the hook queue: new commits and old -> new rewrite pairs.

    The file is renamed before it is read, so a hook appending at the same moment writes
    into a fresh queue. A line lost in that instant costs nothing: reconcile finds every
    commit from the refs anyway.
    """
    work = paths.queue.with_name(f"queue.{os.getpid()}.work")
    try:
        os.rename(paths.queue, work)
    except FileNotFoundError:
        return [], []
    try:
        text = work.read_text(encoding="utf-8", errors="replace")
    finally:
        work.unlink(missing_ok=True)
    commits: list[str] = []
    rewrites: list[tuple[str, str]] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "commit" and _is_sha(parts[1]):
            commits.append(parts[1])
        elif len(parts) == 3 and parts[0] == "rewrite" and _is_sha(parts[1]) and _is_sha(parts[2]):
            rewrites.append((parts[1], parts[2]))
        elif line.strip():
            log.warning("ignored a malformed queue line: %r", line[:100])
    return commits, rewrites


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


# -- the socket ------------------------------------------------------------------------

def peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def prepare_socket_path(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        path.unlink()  # stale: we hold the lock, so no live daemon owns it
    except FileNotFoundError:
        pass


Serve = Callable[[RepoState, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Daemon:
    def __init__(self, project: Project, serve: Serve) -> None:
        self.project = project
        self.paths = project.paths
        self.state = RepoState(project)
        self.serve = serve
        self.idle_timeout = project.config.daemon.idle_timeout
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
        watcher = self._start_watcher()
        tasks = [asyncio.create_task(self.state.reconciler()), asyncio.create_task(self._idle_watch())]
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
            _remove_quietly(sock_path)

    def _start_watcher(self) -> Any:
        try:
            from devlogd.watcher import RepoWatcher

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
            idle_for = time.monotonic() - self.state.last_activity
            busy = self.state.clients > 0 or self.state.activity.reconciling
            if not busy and idle_for >= self.idle_timeout:
                log.info("idle for %.0fs with no clients: exiting", idle_for)
                self._stop.set()
                return
            # Sleep until the earliest moment we could be idle long enough: no polling.
            await asyncio.sleep(max(1.0, self.idle_timeout - idle_for) if not busy else self.idle_timeout)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


# -- lifecycle -------------------------------------------------------------------------

def acquire_lock(paths: RepoPaths) -> IO[bytes] | None:
    """The daemon lock, or None when another daemon holds it."""
    paths.ensure_state_dir()
    handle = open(paths.daemon_lock, "ab+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        handle.close()
        if err.errno in (errno.EAGAIN, errno.EACCES):
            return None
        raise DaemonError(f"cannot lock {paths.daemon_lock}: {err.strerror}") from err
    return handle


def read_pid(paths: RepoPaths) -> int | None:
    try:
        pid = int(paths.daemon_pid.read_text().strip() or 0)
    except (OSError, ValueError):
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return None  # alive, but not ours
    return pid


def run_daemon(project: Project, serve: Serve) -> int:
    """Run in the foreground until stopped or idle. 0 when another daemon already runs."""
    lock = acquire_lock(project.paths)
    if lock is None:
        log.info("a daemon already serves %s (pid %s)", project.paths.common_dir, read_pid(project.paths))
        return 0
    pid_file = project.paths.daemon_pid
    # A full disk or a file-size limit must fail a write (EFBIG), not kill the daemon.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        os.nice(10)  # background work: the user's own git commands always come first
    except OSError:
        pass
    try:
        pid_file.write_text(f"{os.getpid()}\n")
        asyncio.run(Daemon(project, serve).run())
    finally:
        _remove_quietly(pid_file)
        lock.close()
    return 0
