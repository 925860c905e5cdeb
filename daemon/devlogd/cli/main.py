"""The `devlog` command. Drafts go to stdout; progress and messages go to stderr."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO, cast

from devlogd import __version__
from devlogd.errors import DevlogError, UsageError

log = logging.getLogger("devlogd")


class Parser(argparse.ArgumentParser):
    """argparse with a did-you-mean for mistyped commands, choices and options."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {error_word()} {with_suggestion(message)}\n")


class _Unbuilt:
    """A command's parser left unbuilt because another command was asked for: every call on
    it does nothing. Building all of them cost `devlog status` a fifth of its time."""

    def __getattr__(self, name: str) -> Callable[..., _Unbuilt]:
        return lambda *args, **kwargs: self


def build_parser(only: str | None = None) -> Parser:
    """The whole parser; with ``only``, just that command's (see :func:`parser_for`)."""
    parser = Parser(
        prog="devlog",
        description="Turn your commits into story beats and your journal into a devlog post.",
        epilog="`devlog help COMMAND` (or `devlog COMMAND --help`) describes one command.",
    )
    parser.add_argument("-C", dest="directory", metavar="PATH", action="append",
                        help="run as if devlog was started in PATH (like git -C)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more messages on stderr")
    parser.add_argument("--no-daemon", action="store_true",
                        help="work in this process instead of asking the repository's daemon")
    parser.add_argument("--version", action="version", version=f"devlog {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def command(name: str, summary: str, details: str = "") -> Parser:
        if only is not None and name != only:
            return cast(Parser, _Unbuilt())
        description = summary[:1].upper() + summary[1:] + "." + (f" {details}" if details else "")
        made: Parser = sub.add_parser(name, help=summary, description=description)
        return made

    p = command("draft", "write a devlog post from the journal",
                "The post goes to stdout (or --out); progress and notes go to stderr. With no range, "
                "it covers what came after the last post you marked with `devlog publish`.")
    _range_args(p)
    p.add_argument("--narrator", choices=("auto", "offline", "claude", "local"),
                   help="who writes the post (default auto: Claude when a key is set, else a local "
                        "model server that answers, else offline)")
    p.add_argument("--fallback", choices=("offline", "none"),
                   help="if Claude or the local model fails: write the offline post instead (default "
                        "with auto), or fail with a non-zero exit (default with --narrator claude|local)")
    p.add_argument("--model", help="the model to write with: Claude's (default: [narrator] model), or "
                                   "with --narrator local the local server's (default: [narrator] local_model)")
    p.add_argument("--style", type=Path, action="append", metavar="FILE",
                   help="a post of yours whose tone to follow (repeatable)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write the post to FILE instead of stdout")
    p.add_argument("--dry-run", action="store_true",
                   help="print, as JSON, the request the narrator would send, its size and cost; send nothing")
    p.add_argument("--author", action="append", metavar="WHO",
                   help="tell this author's work: a name or e-mail fragment (repeatable; "
                        "default: yours, else the main author's)")
    p.add_argument("--shape", choices=("journey", "design essay", "launch announcement", "how it works"),
                   help="the post's shape, for a model narrator's plan (default: chosen from the material)")
    p.add_argument("--all-authors", action="store_true", help="tell everyone's work (\"I\" with the others credited when one person made most of it, else \"we\")")
    p.add_argument("--no-questions", action="store_true",
                   help="do not ask devlog's questions first (on a terminal they are asked; "
                        "[draft] questions = false turns them off for good)")

    p = command("questions", "what only you can say about a range: devlog's questions before a draft",
                "At most five, the big ones first (why it started, what it is for, what came of it, the "
                "design, what went wrong, what comes next); `devlog answer ID \"text\"` answers one.")
    p.add_argument("range", nargs="?", metavar="RANGE", help="A..B, or a date or revision to start from "
                                                              "(default: what a draft would tell)")
    _range_args(p)
    p.add_argument("--json", action="store_true", help="one JSON object: the questions with their ids")
    p.add_argument("--dry-run", action="store_true",
                   help="with Claude configured, print the short request in which it would choose them; send nothing")
    p.add_argument("--rules", action="store_true", help="let the rules choose even when Claude is configured")

    p = command("answer", "answer one of devlog's questions (its id from `devlog questions`)",
                "The answer is a note beside the work it is about, used by every later draft and never asked again.")
    p.add_argument("id", help="the question's id")
    p.add_argument("text", help="the answer, in quotes: a sentence or three")
    _range_args(p)

    p = command("notes", "list your notes and answers; edit or remove one",
                "`devlog notes` lists them with their ids; `devlog notes edit ID \"text\"`, `devlog notes remove ID`.")
    p.add_argument("action", nargs="?", choices=("list", "edit", "remove"), default="list",
                   help="list (default), edit or remove")
    p.add_argument("id", nargs="?", help="the note's id (edit, remove)")
    p.add_argument("text", nargs="?", help="the new text (edit)")
    p.add_argument("--json", action="store_true", help="one JSON object per note")

    p = command("sources", "what a draft reads besides git, and what it linked to which change",
                "Coding-agent transcripts (Claude Code, Codex, Aider) are read only once you turn them on.")
    p.add_argument("--enable", choices=("agents",), help="read your coding-agent prompts for this repository")
    p.add_argument("--disable", choices=("agents",), help="stop reading them")
    _range_args(p)

    p = command("note", "add your own words to the journal: a motive, a result, a number the history cannot hold",
                "Notes are told beside the work they are nearest in time to, marked as your words.")
    p.add_argument("text", help="the note, in quotes")
    p.add_argument("--at", metavar="WHEN", help="when it is about: a date or '2 days ago' (default: now)")

    p = command("status", "what devlog knows about this repository",
                "The daemon answers from what it knows; it journals whenever the branches move.")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    p.add_argument("--fresh", action="store_true", help="look at the branches again before answering")

    p = command("beats", "list story beats, oldest first")
    _range_args(p)
    p.add_argument("--limit", type=int, metavar="N", help="only the last N beats")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = command("journal", "the journal as readable markdown, grouped by day")
    _range_args(p)

    p = command("backfill", "journal the commits of a branch or range (default: the current branch)",
                "Reads the first-parent line only (the commits a branch made, merges as one); "
                "the daemon journals everything reachable from your branches.")
    p.add_argument("range", nargs="?", help="a revision or A..B range (first-parent history)")
    p.add_argument("--workers", type=int, metavar="N", help="processes to read commits with (default: one per core)")

    p = command("rejournal", "tell the journal's beats again from git with this version (notes and answers are kept)",
                "The daemon does this by itself for beats an older version wrote; --all re-derives every "
                "beat (after changing [beats] rules, say). The journal before is kept as journal.before.")
    p.add_argument("--all", action="store_true", help="every beat, not only those of an older version")

    p = command("install", "journal every commit: install the git hooks, start the daemon")
    p.add_argument("--no-start", action="store_true", help="do not start the daemon now")
    p = command("uninstall", "remove devlog's git hooks (restoring any hook they chained) and stop the daemon",
                "Says what it keeps: the journal (with your notes and answers) and its cache and logs, "
                "with their size.")
    p.add_argument("--purge", action="store_true",
                   help="also remove the journal, your notes and answers, the cache and the logs (.git/devlog)")

    p = command("enrich", "have Claude's cheaper model retell interesting beats",
                "One call per beat, or --batch for one Message Batch at half the price.")
    _range_args(p)
    p.add_argument("--limit", type=int, metavar="N", help="only the last N beats")
    p.add_argument("--batch", action="store_true", help="one Message Batch: cheaper, slower")

    p = command("publish", "mark a draft (written with --out) as published: the next draft starts after it")
    p.add_argument("file", type=Path, help="the post, with its FILE.sources.json beside it")

    p = command("check", "check a post against the storytelling rules")
    p.add_argument("file", type=Path, help="the post to check (markdown)")
    p.add_argument("--grounding", action="store_true",
                   help="check every claim (names, numbers, dates, orders, quotations) against its sources: "
                        "the changes the post's FILE.sources.json names, notes and the repository")

    p = command("tools", "the narrator's read-only tools over the repository, as a model gets them",
                "Results are redacted, .devlogignore-filtered and bounded exactly as a model's are; changes "
                "are named by their journal key (c1, c2, ...), never by a hash.")
    p.add_argument("--json", action="store_true", help="one JSON object: the call and its result")
    tools = p.add_subparsers(dest="tool", metavar="TOOL", parser_class=Parser, required=True)
    t = tools.add_parser("specs", help="the tools' names and input schemas, as sent to a model")
    t = tools.add_parser("list-files", help="the files (ignored and secret files never listed)")
    t.add_argument("--under", default="", metavar="FOLDER")
    t.add_argument("--at", default="end", metavar="WHERE", help='"end" (HEAD) or a change key such as c12')
    t = tools.add_parser("read-file", help="a file's numbered lines, or a range of them")
    t.add_argument("path")
    t.add_argument("--start", type=int)
    t.add_argument("--end", type=int)
    t.add_argument("--at", default="end", metavar="WHERE")
    t = tools.add_parser("show-change", help="one change: its author's words and its diff, noise counted apart")
    t.add_argument("change", metavar="KEY")
    t = tools.add_parser("search", help="lines holding a text (plain, case-insensitive)")
    t.add_argument("text")
    t.add_argument("--under", default="", metavar="FOLDER")
    t.add_argument("--at", default="end", metavar="WHERE")
    t = tools.add_parser("code-map", help="the main files' top-level definitions, with their comments")
    t.add_argument("--at", default="end", metavar="WHERE")
    t = tools.add_parser("journal", help="the changes (keys, days, what they did) and notes for a range")
    t.add_argument("--since", metavar="KEY|DAY")
    t.add_argument("--until", metavar="KEY|DAY")

    p = command("daemon", "the repository's background daemon")
    p.add_argument("action", choices=("run", "start", "stop", "status"),
                   help="run (in the foreground), start, stop, or status")
    p.add_argument("--quiet", action="store_true", help="log to the daemon log only")

    command("lsp", "speak LSP on stdio for an editor (forwards to the daemon)")

    p = command("help", "describe a command")
    p.add_argument("topic", nargs="?", metavar="COMMAND", help="the command to describe")
    return parser


def _range_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="WHEN", help="a date (2026-01-31, '2 weeks ago') or a revision")
    parser.add_argument("--until", metavar="WHEN", help="a date or a revision")


_CHOICE = re.compile(r"argument (?P<argument>[^:]+): invalid choice: '(?P<given>[^']*)' "
                     r"\(choose from (?P<choices>.*)\)")


def with_suggestion(message: str) -> str:
    """argparse's message, shorter, with the closest valid choice named."""
    found = _CHOICE.search(message)
    if not found:
        return message
    given, argument = found.group("given"), found.group("argument")
    choices = re.findall(r"'([^']*)'", found.group("choices"))
    hint = did_you_mean(given, choices)
    if argument == "COMMAND":
        return f"unknown command {given!r}" + (hint or "; `devlog help` lists the commands")
    return f"{argument}: {given!r} is not one of {', '.join(choices)}{hint}"


def did_you_mean(given: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(given, choices, n=1, cutoff=0.6)
    return f"; did you mean {emphasis(repr(close[0]))}?" if close else ""


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, Parser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _refuse_unknown(parser: Parser, args: argparse.Namespace, extras: list[str]) -> NoReturn:
    """Unknown arguments, said by the parser they were meant for, with a suggestion."""
    target = _subcommands(parser).get(args.command or "", parser)
    # The command's own options first, then devlog's (`devlog --verbos status`).
    options = [o for part in (target, parser) for action in part._actions for o in action.option_strings]
    first = extras[0]
    if first.startswith("-"):
        name = first.split("=", 1)[0]
        target.error(f"unrecognized option {name!r}{did_you_mean(name, options)}")
    target.error(f"unrecognized argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}")


def _help(parser: Parser, topic: str | None) -> int:
    commands = _subcommands(parser)
    if topic is None:
        parser.print_help()
        return 0
    if topic not in commands:
        parser.error(f"argument COMMAND: invalid choice: {topic!r} (choose from "
                     + ", ".join(repr(c) for c in commands) + ")")
    commands[topic].print_help()
    return 0


def emphasis(text: str) -> str:
    return paint(text, "1")


def error_word() -> str:
    return paint("error:", "1;31")


def paint(text: str, sgr: str, stream: TextIO | None = None) -> str:
    """``text`` in colour on a terminal; plain when piped, with NO_COLOR or TERM=dumb."""
    stream = stream or sys.stderr
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb" or not stream.isatty():
        return text
    return f"\x1b[{sgr}m{text}\x1b[0m"


def parser_for(words: Sequence[str]) -> Parser:
    """The parser for this command line: only its command's when the command is named
    (help, a typo or none at all need every command's)."""
    rest = iter(words)
    for word in rest:
        if word == "-C":
            next(rest, None)
        elif word == "help":
            break
        elif not word.startswith("-"):
            parser = build_parser(only=word)
            return parser if word in _subcommands(parser) else build_parser()
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    parser = parser_for(sys.argv[1:] if argv is None else argv)
    args, extras = parser.parse_known_args(argv)
    if extras:
        _refuse_unknown(parser, args, extras)
    _configure_logging(args.verbose)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "help":
        return _help(parser, args.topic)
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
