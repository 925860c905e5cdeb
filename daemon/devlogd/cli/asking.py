"""`devlog questions`, `answer`, `notes`, `sources`, and the questions `devlog draft` asks
on a terminal before it drafts (Enter skips one, Ctrl-D skips the rest)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from devlogd.errors import UsageError

if TYPE_CHECKING:
    from devlogd.models import Question
    from devlogd.protocol import QuestionsReply


def _range(args: argparse.Namespace) -> tuple[str | None, str | None]:
    since, until = args.since, args.until
    given = getattr(args, "range", None)
    if given:
        if since or until:
            raise UsageError("give a RANGE or --since/--until, not both")
        since, _, until = given.partition("..")
        since, until = since or None, until or None
    return since, until


def cmd_questions(args: argparse.Namespace, directory: Path) -> int:
    import msgspec

    from devlogd.cli import backend
    from devlogd.protocol import QuestionsQuery

    since, until = _range(args)
    query = QuestionsQuery(since=since, until=until, dry_run=args.dry_run, rules=args.rules)
    reply = backend.run(directory, args.no_daemon, lambda b: b.questions(query))
    if reply.note:
        print(f"devlog: {reply.note}", file=sys.stderr)
    if args.dry_run:
        import json

        if reply.request is None:
            print("devlog: the rules choose the questions here (no model is configured): nothing would be sent",
                  file=sys.stderr)
        else:
            print(json.dumps(reply.request, indent=2, ensure_ascii=False))
            print("devlog: the request above would choose among the questions below; nothing was sent",
                  file=sys.stderr)
            return 0
    if args.json:
        print(msgspec.json.encode(reply).decode())
        return 0
    if not reply.questions:
        print("nothing to ask: your notes and answers already cover this range", file=sys.stderr)
    for question in reply.questions:
        print(f"{question.id}  ({question.gap})\n  {question.text}\n")
    return 0


def cmd_answer(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.cli import backend
    from devlogd.protocol import AnswerParams

    params = AnswerParams(id=args.id, text=args.text, since=args.since, until=args.until)
    reply = backend.run(directory, args.no_daemon, lambda b: b.answer(params))
    print(f"noted: {reply.text}", file=sys.stderr)
    return 0


def cmd_notes(args: argparse.Namespace, directory: Path) -> int:
    import msgspec

    from devlogd.cli import backend
    from devlogd.protocol import NotesQuery

    if args.action == "list":
        query = NotesQuery()
    elif not args.id:
        raise UsageError(f"devlog notes {args.action} needs the note's id (`devlog notes` lists them)")
    elif args.action == "edit":
        if not args.text:
            raise UsageError("devlog notes edit ID \"the new text\"")
        query = NotesQuery(id=args.id, text=args.text)
    else:
        query = NotesQuery(id=args.id, remove=True)
    reply = backend.run(directory, args.no_daemon, lambda b: b.notes(query))
    if args.action != "list":
        print(f"{'removed' if query.remove else 'edited'} {args.id}", file=sys.stderr)
        return 0
    from datetime import datetime

    for note in reply.notes:
        if args.json:
            print(msgspec.json.encode(note).decode())
            continue
        day = datetime.fromtimestamp(note.time).strftime("%Y-%m-%d")
        label = f" [{note.kind}]" if note.kind else ""
        print(f"{note.id}  {day}{label}  {note.text}")
    return 0


def cmd_sources(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.app import agents
    from devlogd.cli.backend import LocalBackend

    local = LocalBackend(directory)
    project = local.project
    if args.enable and args.disable:
        raise UsageError("--enable or --disable, not both")
    switch = agents.set_agents(project, bool(args.enable)) if (args.enable or args.disable) else \
        agents.agents_switch(project)
    print(f"coding-agent transcripts: {'on' if switch.on else 'off'} ({switch.why})")
    if not switch.on:
        return 0
    chosen = local._chosen(args.since, args.until)
    linked = agents.linked_prompts(project, chosen.beats)
    by_sha = {b.sha: b for b in chosen.beats}
    print(f"{len(linked)} prompt{'s' if len(linked) != 1 else ''} linked to the changes a draft would tell:")
    from datetime import datetime

    from devlogd.story.labels import title  # the story's modules cost `devlog status` 0.1 s at import

    for prompt in linked:
        beat = by_sha[prompt.beside]
        day = datetime.fromtimestamp(prompt.time).strftime("%Y-%m-%d %H:%M")
        print(f"- {beat.sha[:10]} {title(beat)}\n    {day} {prompt.tool}: {prompt.text}")
    return 0


# -- asking before a draft ---------------------------------------------------------------------

def ask_before_draft(questions: Sequence[Question], record: Callable[[Question, str], None],
                     stdin: TextIO, out: TextIO) -> int:
    """Ask ``questions`` one at a time on ``out``, reading answers from ``stdin``: an empty
    line skips one, the end of input (Ctrl-D) skips the rest. Returns how many were answered."""
    if not questions:
        return 0
    count = len(questions)
    out.write(f"devlog: {count} question{'s' if count != 1 else ''} only you can answer, for the post "
              "(Enter skips one, Ctrl-D skips the rest; --no-questions never asks):\n")
    answered = 0
    for index, question in enumerate(questions, start=1):
        out.write(f"\n[{index}/{count}] {question.text}\n> ")
        out.flush()
        line = stdin.readline()
        if not line:  # end of input: the rest are skipped
            out.write("\n")
            break
        if line.strip():
            record(question, line.strip())
            answered += 1
    out.write("\n")
    out.flush()
    return answered


def should_ask(args: argparse.Namespace, directory: Path, stdin: TextIO, stdout: TextIO) -> bool:
    """Only a person at a terminal is asked: never when stdin or stdout is not one, never
    for a dry run, never with --no-questions or [draft] questions = false."""
    if args.no_questions or args.dry_run or not (stdin.isatty() and stdout.isatty()):
        return False
    from devlogd.config import load_config
    from devlogd.paths import find_repo

    return load_config(find_repo(directory)).draft.questions


def ask_for_draft(args: argparse.Namespace, directory: Path) -> None:
    """The questions for the range the draft tells, asked and answered before it is written."""
    from devlogd.cli import backend
    from devlogd.protocol import AnswerParams, QuestionsQuery

    query = QuestionsQuery(since=args.since, until=args.until, authors=args.author or [],
                           all_authors=args.all_authors)
    reply: QuestionsReply = backend.run(directory, args.no_daemon, lambda b: b.questions(query))

    def record(question: Question, text: str) -> None:
        params = AnswerParams(id=question.id, text=text, since=args.since, until=args.until)
        backend.run(directory, args.no_daemon, lambda b: b.answer(params))

    ask_before_draft(reply.questions, record, sys.stdin, sys.stderr)
