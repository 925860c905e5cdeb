"""The `devlog` command. Drafts go to stdout; progress and messages go to stderr."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from devlogd import __version__
from devlogd.errors import DevlogError, UsageError

log = logging.getLogger("devlogd")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devlog",
        description="Turn your commits into story beats and your journal into a devlog post.",
    )
    parser.add_argument("-C", dest="directory", metavar="PATH", action="append",
                        help="run as if devlog was started in PATH (like git -C)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more messages on stderr")
    parser.add_argument("--no-daemon", action="store_true",
                        help="work in this process instead of asking the repository's daemon")
    parser.add_argument("--version", action="version", version=f"devlog {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("backfill", help="journal the commits of a branch or range (default: current branch)")
    p.add_argument("range", nargs="?", help="a revision or A..B range (first-parent history)")
    p.add_argument("--workers", type=int, help="processes to read commits with (default: one per core)")

    p = sub.add_parser("beats", help="list story beats")
    _range_args(p)
    p.add_argument("--limit", type=int, help="only the last N beats")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("journal", help="the journal as readable markdown, grouped by day")
    _range_args(p)

    p = sub.add_parser("draft", help="write a devlog post from the journal")
    _range_args(p)
    p.add_argument("--narrator", choices=("auto", "offline", "claude"), help="who writes the post")
    p.add_argument("--model", help="the Claude model to write with (default: [narrator] model)")
    p.add_argument("--style", type=Path, action="append", metavar="FILE",
                   help="a post of yours whose tone to follow (repeatable)")
    p.add_argument("--out", type=Path, help="write the post to FILE instead of stdout")
    p.add_argument("--dry-run", action="store_true",
                   help="print, as JSON, the request the narrator would send, and send nothing")
    p.add_argument("--author", action="append", metavar="WHO",
                   help="tell this author's work: a name or e-mail fragment (repeatable; "
                        "default: yours, else the main author's)")
    p.add_argument("--all-authors", action="store_true", help="tell everyone's work, as \"we\"")

    p = sub.add_parser("note", help="add your own words to the journal: a motive, a result, a number "
                                       "the history cannot hold")
    p.add_argument("text", help="the note, in quotes")
    p.add_argument("--at", metavar="WHEN", help="when it is about: a date or '2 days ago' (default: now)")

    p = sub.add_parser("enrich", help="have Claude's cheaper model retell interesting beats "
                                         "(one call each, or --batch at half the price)")
    _range_args(p)
    p.add_argument("--limit", type=int, help="only the last N beats")
    p.add_argument("--batch", action="store_true", help="one Message Batch: cheaper, slower")

    p = sub.add_parser("publish", help="mark a draft (written with --out) as published: "
                                          "the next draft starts after it")
    p.add_argument("file", type=Path)

    p = sub.add_parser("check", help="check a post against the storytelling rules")
    p.add_argument("file", type=Path)

    p = sub.add_parser("status", help="what devlog knows about this repository")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("install", help="journal every commit: install the git hooks, start the daemon")
    p.add_argument("--no-start", action="store_true", help="do not start the daemon now")
    sub.add_parser("uninstall", help="remove devlog's git hooks, restoring any hook they chained")

    p = sub.add_parser("daemon", help="the repository's background daemon")
    p.add_argument("action", choices=("run", "start", "stop", "status"))
    p.add_argument("--quiet", action="store_true", help="log to the daemon log only")

    sub.add_parser("lsp", help="speak LSP on stdio for an editor (forwards to the daemon)")
    return parser


def _range_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="a date (2026-01-31, '2 weeks ago') or a revision")
    parser.add_argument("--until", help="a date or a revision")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        directory = _directory(args.directory)
        return _dispatch(args, directory)
    except DevlogError as err:
        print(f"devlog: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("\ndevlog: interrupted; everything read so far is saved", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0


def main_entry() -> None:
    sys.exit(main())


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING - 10 * min(verbosity, 2)
    logging.basicConfig(level=level, format="devlog: %(message)s", stream=sys.stderr)


def _directory(chain: list[str] | None) -> Path:
    here = Path.cwd()
    for part in chain or []:
        here = here / part
    if not here.is_dir():
        raise UsageError(f"cannot change to '{here}': no such directory")
    return here


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _dispatch(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.cli import commands

    handler = getattr(commands, f"cmd_{args.command}")
    result: int = handler(args, directory)
    return result
