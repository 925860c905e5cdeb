"""What devlog keeps in a repository once its hooks are gone, and removing it on request.

`devlog uninstall` removes the hooks and stops the daemon; the journal (with the notes and
answers in it), the summary cache and the logs stay, since they are the user's record and
cost nothing without devlog. What stays is said with its size; `--purge` removes it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec

from devlogd.paths import RepoPaths
from devlogd.pipeline.journal import Journal
from devlogd.statefiles import check_private_dir


class Leftovers(msgspec.Struct, frozen=True, kw_only=True):
    """devlog's state in one repository, as typed facts (the CLI says them)."""

    folder: str  # the state folder, <git-common-dir>/devlog
    beats: int  # changes journaled
    notes: int  # the author's notes and answers, kept in the journal
    journal_bytes: int
    other_bytes: int  # the summary cache, logs, locks
    files: int  # everything in the folder


def leftovers(paths: RepoPaths) -> Leftovers | None:
    """What devlog keeps here, or None when it keeps nothing."""
    folder = paths.state_dir
    if not folder.exists():
        return None
    check_private_dir(folder, tighten=False)  # a link there is refused, never followed
    state = Journal(paths.journal, paths.journal_lock).load() if paths.journal.exists() else None
    sizes = {path: path.lstat().st_size for path in _files(folder)}
    journal = sizes.get(paths.journal, 0)
    return Leftovers(folder=str(folder), beats=len(state.beats) if state else 0,
                     notes=len(state.notes) if state else 0, journal_bytes=journal,
                     other_bytes=sum(sizes.values()) - journal, files=len(sizes))


def purge(paths: RepoPaths) -> Leftovers | None:
    """Remove devlog's state folder (after the daemon is stopped); returns what it held."""
    held = leftovers(paths)
    if held is not None:
        shutil.rmtree(paths.state_dir)
    return held


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if not path.is_dir() or path.is_symlink()]
