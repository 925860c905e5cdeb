"""`devlog uninstall [--purge]`: the hooks removed, the daemon stopped, and what devlog keeps
in the repository said with its size (or, with --purge, removed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from devlogd.counts import plural
from devlogd.paths import find_repo

if TYPE_CHECKING:
    from devlogd.app.leaving import Leftovers


def cmd_uninstall(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.app import hooks as hookinstall

    from devlogd.server.daemon import read_pid

    from devlogd.app import leaving
    from devlogd.cli import commands

    paths = find_repo(directory)
    where = hookinstall.hooks_dir(paths)
    for change in hookinstall.uninstall(paths):
        print(f"{where}/{change}", file=sys.stderr)
    if read_pid(paths) is not None:  # nothing will start it again: stop it now
        commands._daemon_stop(paths)
    if args.purge:
        gone = leaving.purge(paths)
        print(f"removed {_leftovers(gone)}" if gone else "devlog kept nothing else here", file=sys.stderr)
    elif (kept := leaving.leftovers(paths)) is not None:
        print(f"kept {_leftovers(kept)}; `devlog uninstall --purge` removes it", file=sys.stderr)
    return 0


def _leftovers(held: Leftovers) -> str:
    """What devlog keeps in a repository, with its size, in one phrase."""
    notes = f", your notes and answers ({held.notes})" if held.notes else ", no notes or answers"
    return (f"{held.folder}: the journal ({plural(held.beats, 'change')}{notes}; {_bytes(held.journal_bytes)}) "
            f"and its cache and logs ({_bytes(held.other_bytes)})")


def _bytes(count: int) -> str:
    for unit, size in (("MB", 1 << 20), ("kB", 1 << 10)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"
