"""Filesystem events that mean "the history may have moved". The only watchdog user.

Watched: refs/ and logs/ (recursively: every move of HEAD or a branch is logged there),
worktrees/ for their HEADs and logs, and devlog's queue. Not watched: the top of the git
directory, objects/ and the index, which change many times during every commit and say
nothing a ref log does not — each event would wake the daemon in the middle of the
user's commit. After `git pack-refs` a ref update shows up as a *created* file, not a
moved one, so every kind of change counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from devlogd.paths import RepoPaths

log = logging.getLogger(__name__)

# inotify also reports files being opened and closed unwritten; our own reads of HEAD and
# refs would then wake us forever. Only changes count.
_CHANGES = {"created", "modified", "moved", "deleted", "closed"}


class _Handler(FileSystemEventHandler):
    def __init__(self, paths: RepoPaths, on_change: Callable[[str], None]) -> None:
        self.common = str(paths.common_dir)
        self.queue = str(paths.queue)
        self.on_change = on_change

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES or event.is_directory:
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
        if rel.startswith(("refs/", "logs/")):
            return True
        return rel.startswith("worktrees/") and (rel.endswith("/HEAD") or "/logs/" in rel)


class RepoWatcher:
    def __init__(self, paths: RepoPaths, on_change: Callable[[str], None]) -> None:
        self.observer = Observer()
        handler = _Handler(paths, on_change)
        common = paths.common_dir
        for sub in ("refs", "logs", "worktrees"):
            if (common / sub).is_dir():
                self.observer.schedule(handler, str(common / sub), recursive=True)
        paths.ensure_state_dir()
        self.observer.schedule(handler, str(paths.state_dir), recursive=False)
        self.observer.daemon = True

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)

