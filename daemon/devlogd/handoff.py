"""The formats that cross process boundaries outside the socket, each with one owner here:
the lines the git hooks append to the queue and the daemon consumes, and the command that
starts a daemon (from the hooks, the terminal and the editor alike).

The shell hooks in hooks/ write these lines themselves (no Python on the commit path);
tests run the real hooks and parse what they wrote with :func:`parse_queue`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from devlogd.errors import StateError
from devlogd.statefiles import named_process, process_line, read_state_file, write_state_file

log = logging.getLogger(__name__)

COMMIT = "commit"  # "commit <sha>": post-commit made a new commit
REWRITE = "rewrite"  # "rewrite <old> <new>": post-rewrite's amend/rebase map


def commit_line(sha: str) -> str:
    return f"{COMMIT} {sha}\n"


def rewrite_line(old: str, new: str) -> str:
    return f"{REWRITE} {old} {new}\n"


@dataclass
class Queued:
    commits: list[str] = field(default_factory=list)
    rewrites: list[tuple[str, str]] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)


def parse_queue(text: str) -> Queued:
    queued = Queued()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == COMMIT and is_sha(parts[1]):
            queued.commits.append(parts[1])
        elif len(parts) == 3 and parts[0] == REWRITE and is_sha(parts[1]) and is_sha(parts[2]):
            queued.rewrites.append((parts[1], parts[2]))
        elif line.strip():
            queued.malformed.append(line[:100])
    return queued


QUEUE_LIMIT = 8 << 20  # bytes read from one queue; reconcile finds commits from the refs anyway


def take_queue(queue: Path) -> Queued:
    """Consume the hook queue.

    The file is renamed before it is read, so a hook appending at the same moment writes
    into a fresh queue. A line lost in that instant costs nothing: reconcile finds every
    commit from the refs anyway. Only a regular file is read: a FIFO would hang the
    daemon and a symbolic link would copy another file's lines into the log; either is
    removed (the name, never what a link points to) and said in the log.
    """
    work = queue.with_name(f"{queue.name}.{os.getpid()}.work")
    try:
        os.rename(queue, work)
    except FileNotFoundError:
        return Queued()
    except OSError as err:
        log.warning("cannot take the queue %s: %s", queue, err.strerror)
        return Queued()
    try:
        text = read_state_file(work, QUEUE_LIMIT).decode("utf-8", "replace")
    except StateError as err:
        log.warning("refused the hook queue (now removed): %s", err)
        text = ""
    finally:
        _remove(work)
    queued = parse_queue(text)
    for line in queued.malformed[:20]:
        log.warning("ignored a malformed queue line: %r", line)
    return queued


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except IsADirectoryError:
        try:
            path.rmdir()
        except OSError as err:
            log.warning("cannot remove %s: %s", path, err.strerror)
    except OSError:
        pass


def is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


# -- daemon.moved: "<where the repository was>", left by a daemon that stopped because its
# repository moved; the next `devlog status` in the new place says so once. --------------

MOVED_NOTE = "daemon.moved"


def take_moved_note(state_dir: Path) -> str | None:
    """Where this repository was before it moved under a running daemon, said once."""
    path = state_dir / MOVED_NOTE
    try:
        text = read_state_file(path, 4096).decode("utf-8", "replace").strip()
    except (OSError, StateError):
        return None
    if not text:
        return None
    _remove(path)
    return f"this repository moved here from {text} while its daemon ran; that daemon has stopped"


# -- daemon.pid: "<pid> <start time>", so a recycled pid is not taken for the daemon -------

def write_pid_file(path: Path, pid: int) -> None:
    write_state_file(path, process_line(pid))


def read_pid_file(path: Path) -> int | None:
    """The daemon's pid when the file names a live process that is that very daemon: alive,
    ours, and (where /proc can tell) started when the daemon wrote the file. The hooks
    make the same check in sh."""
    try:
        return named_process(read_state_file(path, 200))
    except (OSError, StateError):
        return None


def daemon_command(devlog: list[str], directory: Path | str) -> list[str]:
    """How a daemon is started for the repository at ``directory``: ``devlog`` is the
    executable (or interpreter and module) to run."""
    return [*devlog, "-C", str(directory), "daemon", "run", "--quiet"]
