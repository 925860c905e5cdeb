"""The commands that write beats from git: `devlog backfill` (history not yet journaled) and
`devlog rejournal` (beats told again by this version)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devlogd.app.project import Project


def _project(directory: Path) -> Project:
    from devlogd.app.project import Project

    return Project.open(directory)


def cmd_backfill(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.cli.backend import backfill_with_progress
    from devlogd.cli.progress import Progress

    display = Progress(summary=False)  # the line below is the summary
    try:
        result = backfill_with_progress(_project(directory), args.range, args.workers, display)
    finally:
        display.finish()
    print(
        f"journaled {result.added:,} new beat{'s' if result.added != 1 else ''} "
        f"({result.already:,} already there, {len(result.errors)} skipped) in {result.seconds:.2f}s, "
        f"from the {result.total:,} commits of {args.range or 'this branch'}'s first-parent line "
        "(merged branches count as their merge; the daemon and `devlog status` count every "
        "commit reachable from your branches)",
        file=sys.stderr,
    )
    return 0


def cmd_rejournal(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.app.rejournal import rejournal

    done = rejournal(_project(directory), everything=args.all)
    gone = f"; {len(done.gone)} whose commit git no longer has kept their message only" if done.gone else ""
    print(f"re-derived {done.beats:,} beat{'s' if done.beats != 1 else ''} from git{gone}; "
          f"kept {done.kept:,} other record{'s' if done.kept != 1 else ''} as they were", file=sys.stderr)
    return 0
