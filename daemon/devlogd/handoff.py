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


def take_queue(queue: Path) -> Queued:
    """Consume the hook queue.

    The file is renamed before it is read, so a hook appending at the same moment writes
    into a fresh queue. A line lost in that instant costs nothing: reconcile finds every
    commit from the refs anyway.
    """
    work = queue.with_name(f"{queue.name}.{os.getpid()}.work")
    try:
        os.rename(queue, work)
    except FileNotFoundError:
        return Queued()
    try:
        text = work.read_text(encoding="utf-8", errors="replace")
    finally:
        work.unlink(missing_ok=True)
    queued = parse_queue(text)
    for line in queued.malformed:
        log.warning("ignored a malformed queue line: %r", line)
    return queued


def is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def daemon_command(devlog: list[str], directory: Path | str) -> list[str]:
    """How a daemon is started for the repository at ``directory``: ``devlog`` is the
    executable (or interpreter and module) to run."""
    return [*devlog, "-C", str(directory), "daemon", "run", "--quiet"]
