"""Is the repository a daemon serves still where it was when the daemon started?

People delete scratch clones (`rm -rf`) and move folders; a daemon must notice and leave,
never re-create the folders it worked in. A folder is known by its identity (device and
inode) taken at start: a repository deleted and made again at the same path is another
repository, which gets a daemon of its own.

The socket and pid file the daemon made are removed at exit *as the daemon made them*:
through a descriptor of the state folder taken at start (so after a move they are found
where they now are), and only while they are still the very files it made (a new daemon
for a new repository at the old path may own files of the same names).
"""

from __future__ import annotations

import os
from pathlib import Path

from devlogd.paths import RepoPaths

Identity = tuple[int, int]


def _identity(path: Path) -> Identity | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class Whereabouts:
    """The folders of one repository as they were at start, and the files made there."""

    def __init__(self, common_dir: Path, state_dir: Path, workdir: Path | None) -> None:
        self.common_dir = common_dir
        self.state_dir = state_dir
        folders = [common_dir, state_dir] + ([workdir] if workdir is not None else [])
        # A folder missing at start (a state folder not made yet) is not looked for later.
        self.marks = [(folder, mark) for folder in folders if (mark := _identity(folder)) is not None]
        self._made: dict[Path, Identity] = {}
        try:
            self._state_fd: int | None = os.open(state_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            self._state_fd = None

    def gone(self) -> str | None:
        """Why the repository is no longer where it was (one sentence), or None. A few
        stat calls: cheap enough for every reconcile and every few seconds."""
        for folder, mark in self.marks:
            now = _identity(folder)
            if now is None or now != mark:
                moved_to = self.moved_to()
                if moved_to is not None:
                    return f"the repository at {self.common_dir} moved to {moved_to}"
                return f"the repository at {self.common_dir} was deleted" if now is None else (
                    f"{folder} was deleted and made again")
        # All three: `rm -rf` deletes in no set order, and while it runs nothing may be made
        # in the folders it is emptying (its last rmdir would fail).
        if not ((self.common_dir / "HEAD").is_file() and (self.common_dir / "refs").is_dir()
                and (self.common_dir / "objects").is_dir()):
            return f"{self.common_dir} is no longer a git repository"
        return None

    def moved_to(self) -> Path | None:
        """Where the state folder now is, when it still exists elsewhere (the repository
        moved); None when it was deleted or cannot be told."""
        if self._state_fd is None:
            return None
        try:
            if os.fstat(self._state_fd).st_nlink == 0:
                return None
            now = Path(os.readlink(f"/proc/self/fd/{self._state_fd}"))
        except OSError:
            return None
        return now if now != self.state_dir else None

    def leave_note(self, name: str, text: str) -> None:
        """A file in the state folder where it now is, for the next command run there; in a
        deleted folder nothing is made (the kernel refuses new names in it)."""
        if self._state_fd is None:
            return
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                         dir_fd=self._state_fd)
        except OSError:
            return
        try:
            os.write(fd, text.encode())
        except OSError:
            pass
        finally:
            os.close(fd)

    # -- the files this daemon made ----------------------------------------------------

    def made(self, path: Path) -> None:
        """Remember ``path`` as a file of ours, to be removed at exit."""
        mark = _lstat_identity(path) if path.parent != self.state_dir else self._stat_in_state(path.name)
        if mark is not None:
            self._made[path] = mark

    def remove_made(self, path: Path) -> None:
        """Remove ``path`` if it is still the file :meth:`made` saw, wherever its folder
        now is; quietly nothing when it is gone or someone else's."""
        mark = self._made.pop(path, None)
        if mark is None:
            return
        try:
            if path.parent == self.state_dir and self._state_fd is not None:
                if self._stat_in_state(path.name) == mark:
                    os.unlink(path.name, dir_fd=self._state_fd)
            elif _lstat_identity(path) == mark:
                os.unlink(path)
        except OSError:
            pass

    def _stat_in_state(self, name: str) -> Identity | None:
        if self._state_fd is None:
            return None
        try:
            info = os.stat(name, dir_fd=self._state_fd, follow_symlinks=False)
        except OSError:
            return None
        return info.st_dev, info.st_ino

    def close(self) -> None:
        if self._state_fd is not None:
            os.close(self._state_fd)
            self._state_fd = None


def _lstat_identity(path: Path) -> Identity | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


# -- have the branches moved? --------------------------------------------------------------

RefsStamp = tuple[object, ...]


def refs_stamp(paths: RepoPaths) -> RefsStamp | None:
    """What changes whenever a local branch, any HEAD or the hook's queue moves, read from
    the file system alone (tens of microseconds): git writes each ref through a lock file
    renamed into place, so a moved ref is a new inode, and each HEAD move grows its log.
    None when it cannot be told (the reftable format): then always reconcile."""
    common = paths.common_dir
    if (common / "reftable").exists():
        return None
    parts: list[object] = [_file_mark(paths.queue)]
    for name in ("HEAD", "packed-refs", "logs/HEAD"):
        parts.append(_file_mark(common / name))
    parts.append(_tree_marks(common / "refs" / "heads"))
    for worktree in _entries(common / "worktrees"):
        parts += [_file_mark(Path(worktree.path) / "HEAD"), _file_mark(Path(worktree.path) / "logs" / "HEAD")]
    return tuple(parts)


def _file_mark(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def _tree_marks(folder: Path) -> list[tuple[str, int]]:
    marks: list[tuple[str, int]] = []
    for entry in _entries(folder):
        marks.append((entry.name, entry.inode()))
        if entry.is_dir(follow_symlinks=False):
            marks += [(f"{entry.name}/{name}", inode) for name, inode in _tree_marks(Path(entry.path))]
    return marks


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []
