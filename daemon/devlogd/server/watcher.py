"""Filesystem events that mean "the history may have moved". The only watchdog user.

Watched, each for the one kind of event that matters there:
- refs/ (recursively): a ref renamed into place, created or deleted. After `git pack-refs`
  a ref update shows up as a *created* file, not a moved one, so both count.
- logs/HEAD, through logs/ watched non-recursively: every move of HEAD is appended there.
- worktrees/ (recursively) for each worktree's HEAD and its log.
- devlog's state directory, for the queue the hooks append to.

Nothing else, and no opens, reads or single write()s: git reads refs several times during a
commit, the hook reads HEAD and the pid file, and each event wakes the daemon on another
CPU while the user's commit is still running. A written file always ends with its close;
a commit now raises 4 watchdog events here instead of 34.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from devlogd.paths import RepoPaths

log = logging.getLogger(__name__)

_RENAMED: list[type[FileSystemEvent]] = [
    FileMovedEvent, FileCreatedEvent, FileDeletedEvent, DirCreatedEvent, DirMovedEvent, DirDeletedEvent,
]
_WRITTEN: list[type[FileSystemEvent]] = [FileClosedEvent]
_CHANGES = {"created", "moved", "deleted", "closed"}


class _Handler(FileSystemEventHandler):
    def __init__(self, paths: RepoPaths, on_change: Callable[[str], None]) -> None:
        self.common = str(paths.common_dir)
        self.queue = str(paths.queue)
        self.on_change = on_change

    def on_any_event(self, event: FileSystemEvent) -> None:
        # A folder deleted among the refs may be the whole repository going (`rm -rf`):
        # the reconcile it wakes looks first whether the repository is still there.
        if event.event_type not in _CHANGES or (event.is_directory and event.event_type != "deleted"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = raw.decode() if isinstance(raw, bytes) else raw
            if path and self._relevant(path):
                self.on_change(path)
                return

    def _relevant(self, path: str) -> bool:
        if path == self.queue:
            return True
        if not path.startswith(self.common + "/"):
            return False
        rel = path[len(self.common) + 1 :]
        if rel.endswith(".lock"):
            return False  # the rename that follows is the event that matters
        if rel == "refs" or rel.startswith(("refs/", "logs/")):
            return True
        return rel.startswith("worktrees/") and (rel.endswith("/HEAD") or "/logs/" in rel)


class RepoWatcher:
    def __init__(self, paths: RepoPaths, on_change: Callable[[str], None]) -> None:
        self.observer = Observer()
        self._handler = _Handler(paths, on_change)
        common = paths.common_dir
        paths.ensure_state_dir()
        self._waiting = [
            (common / "refs", True, _RENAMED),
            (common / "logs", False, _WRITTEN),
            (common / "worktrees", True, _RENAMED + _WRITTEN),
            (paths.state_dir, False, _WRITTEN),
        ]
        self.watch_new_directories()
        self.observer.daemon = True

    def watch_new_directories(self) -> None:
        """Start watching what did not exist before: logs/ appears with a new repository's
        first commit, worktrees/ with its first linked worktree."""
        for watch in list(self._waiting):
            where, recursive, events = watch
            if not where.is_dir():
                continue
            self._waiting.remove(watch)
            try:
                self.observer.schedule(self._handler, str(where), recursive=recursive, event_filter=events)
            except OSError as err:  # inotify's limits: reconcile still runs on every other nudge
                log.warning("not watching %s: %s", where, err)

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)

