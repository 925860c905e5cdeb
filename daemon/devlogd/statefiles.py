"""devlog's state files, handled as untrusted: a state folder or file may have been
planted (a repository unpacked from someone's archive, another local user), so

* files are opened without following a symbolic link and refused unless they are regular
  files of ours (a FIFO would hang whoever opens it, a link would redirect the write);
* the state folder must be a real folder of ours, and is kept 0700;
* locks are never inherited by a forked child, record who holds them, and a lock held by
  a process that is gone or that is not the one recorded is said in one sentence instead
  of waited on forever.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devlogd.errors import StateError

log = logging.getLogger(__name__)

_NOFOLLOW = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def check_private_dir(path: Path, tighten: bool = True) -> None:
    """Refuse a folder for devlog's state that is a link, not a folder, or another user's;
    a folder of ours that others may enter is made 0700."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise StateError(f"{path} is a symbolic link; devlog keeps its state only in a real folder (remove the link)")
    if not stat.S_ISDIR(info.st_mode):
        raise StateError(f"{path} is not a folder; remove it so devlog can make its own")
    if info.st_uid != os.getuid():
        raise StateError(f"{path} belongs to uid {info.st_uid}, not to you; devlog keeps its state "
                         "only in a folder of yours")
    if tighten and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)


def open_state_file(path: Path, flags: int, mode: int = 0o600) -> int:
    """A descriptor for one of devlog's state files, opened without following a symbolic
    link and refused unless it is a regular file of ours: a link named journal.jsonl must
    not make devlog write elsewhere, and a FIFO named queue must not hang it."""
    try:
        fd = os.open(path, flags | _NOFOLLOW, mode)
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.EMLINK):
            raise StateError(f"{path} is a symbolic link; devlog does not follow links among its "
                             "state files (remove it)") from err
        if err.errno in (errno.ENXIO, errno.EISDIR):
            raise StateError(f"{path} is not a regular file; remove it") from err
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StateError(f"{path} is {_kind(info.st_mode)}, not a regular file; remove it")
        if info.st_uid != os.getuid():
            raise StateError(f"{path} belongs to uid {info.st_uid}, not to you; remove it")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_state_file(path: Path, limit: int = 1 << 20) -> bytes:
    """Up to ``limit`` bytes of a state file (see :func:`open_state_file`); b"" when absent."""
    try:
        fd = open_state_file(path, os.O_RDONLY)
    except FileNotFoundError:
        return b""
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit)


def write_state_file(path: Path, data: bytes) -> None:
    """Replace a state file whole: written beside it, then renamed over whatever the name
    held (a rename replaces a link itself, never what it points to)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "something else"


# -- locks ----------------------------------------------------------------------------

_held: set[int] = set()  # descriptors of the locks this process holds


def _forget_locks_in_child() -> None:
    """A forked child closes its copies of our lock descriptors: a flock belongs to the
    open file, so a worker that outlived its parent would otherwise hold the lock forever."""
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


class LockBusy(StateError):
    """The lock is held and waiting was not asked for, or is pointless (see the message)."""


def process_start_time(pid: int) -> str | None:
    """When process ``pid`` started (field 22 of /proc/<pid>/stat, clock ticks since
    boot); with the pid it names one process for the machine's uptime. None without /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2 :].split()  # the name before it may hold spaces
    return fields[19].decode() if len(fields) > 19 else None


def process_line(pid: int) -> bytes:
    """``"<pid> <start time>\\n"``: how a pid file or a lock names its process."""
    started = process_start_time(pid)
    return f"{pid} {started}\n".encode() if started else f"{pid}\n".encode()


def named_process(text: bytes) -> int | None:
    """The pid ``text`` (a :func:`process_line`) names when that very process is alive and
    ours: a recycled pid, or another user's process, does not count."""
    words = text.split()
    if not words or not words[0].isdigit():
        return None
    pid = int(words[0])
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError, OverflowError):
        return None
    started = process_start_time(pid)
    if started is None:
        return None if Path("/proc/self/stat").exists() else pid  # gone meanwhile; or no /proc
    return pid if len(words) > 1 and words[1].decode(errors="replace") == started else None


@contextmanager
def exclusive_lock(path: Path, what: str, wait: float | None = None) -> Iterator[int]:
    """Hold ``path`` locked for ``what`` ("the journal"). ``wait``: None waits as long as a
    live devlog process holds it, 0 not at all, otherwise that many seconds. A holder that
    is not the process recorded in the lock (it inherited the lock, or is not devlog) is
    reported at once: waiting for it could take forever."""
    fd = open_state_file(path, os.O_RDWR | os.O_CREAT)
    _held.add(fd)
    try:
        _acquire(fd, path, what, wait)
        os.ftruncate(fd, 0)
        os.pwrite(fd, process_line(os.getpid()), 0)
        yield fd
    finally:
        _held.discard(fd)
        os.close(fd)


def lock_or_none(path: Path) -> int | None:
    """``path`` locked for as long as this process lives (release with :func:`unlock`), or
    None when someone holds it already."""
    fd = open_state_file(path, os.O_RDWR | os.O_CREAT)
    if not _try_lock(fd):
        os.close(fd)
        return None
    _held.add(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, process_line(os.getpid()), 0)
    return fd


def unlock(fd: int) -> None:
    _held.discard(fd)
    os.close(fd)


STRAY_GRACE = 1.0  # a new holder may not have written its name yet


def _acquire(fd: int, path: Path, what: str, wait: float | None) -> None:
    if _try_lock(fd):
        return
    started = time.monotonic()
    said = False
    while True:
        holder = named_process(os.pread(fd, 100, 0))
        waited = time.monotonic() - started
        if holder is None and waited >= STRAY_GRACE:
            raise LockBusy(_stray_holder(path, what, os.pread(fd, 100, 0)))
        if wait is not None and waited >= wait:
            raise LockBusy(f"{what} is locked by devlog process {holder} ({_command(holder)}); try again when it is done")
        if holder is not None and not said:
            log.info("waiting for devlog process %s (%s) to release %s", holder, _command(holder), what)
            said = True
        time.sleep(0.05 if waited < 1 else 0.25)
        if _try_lock(fd):
            return


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _stray_holder(path: Path, what: str, record: bytes) -> str:
    words = record.split()
    taker = f"devlog process {words[0].decode(errors='replace')}, which is gone" if words else "nobody recorded"
    holders = [pid for pid in _pids_holding(path) if pid != os.getpid()]
    who = ", ".join(f"pid {pid} ({_command(pid)})" for pid in holders) or "a process devlog cannot see"
    return (f"{what} is locked ({path}) by {who}, not by the process that took the lock ({taker}); "
            f"end {'it' if len(holders) <= 1 else 'them'} and try again")


def _pids_holding(path: Path) -> list[int]:
    """The processes with ``path`` open, from /proc (ours only: others' are not readable)."""
    found = []
    target = os.fsencode(os.path.realpath(path))
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else []:
        if not entry.name.isdigit():
            continue
        try:
            for fd in os.scandir(f"/proc/{entry.name}/fd"):
                if os.fsencode(os.readlink(fd.path)) == target:
                    found.append(int(entry.name))
                    break
        except OSError:
            continue
    return found


def _command(pid: int | None) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, TypeError):
        return "?"
    words = " ".join(w.decode(errors="replace") for w in raw.split(b"\0") if w).split()
    return " ".join(words)[:80] or "?"  # one line, however the command was written
